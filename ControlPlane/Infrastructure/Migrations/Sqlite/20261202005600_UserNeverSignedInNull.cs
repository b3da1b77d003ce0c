using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UserNeverSignedInNull : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // "Never signed in" was stored as the Unix epoch (a sentinel); it becomes NULL. SQLite keeps a
            // DateTimeOffset as TEXT in EF's format, in which the sentinel was written as exactly this.
            migrationBuilder.Sql("UPDATE users SET \"LastSeenAt\" = NULL WHERE \"LastSeenAt\" = '1970-01-01 00:00:00+00:00';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Older versions read the sentinel, and the column they expect is NOT NULL.
            migrationBuilder.Sql("UPDATE users SET \"LastSeenAt\" = '1970-01-01 00:00:00+00:00' WHERE \"LastSeenAt\" IS NULL;");
        }
    }
}
