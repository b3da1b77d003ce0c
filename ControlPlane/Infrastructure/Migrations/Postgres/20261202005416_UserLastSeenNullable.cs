using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UserLastSeenNullable : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "LastSeenAt",
                table: "users",
                type: "timestamp with time zone",
                nullable: true,
                oldClrType: typeof(DateTimeOffset),
                oldType: "timestamp with time zone");

            // "Never signed in" was stored as the Unix epoch (a sentinel); it becomes NULL.
            migrationBuilder.Sql("UPDATE users SET \"LastSeenAt\" = NULL WHERE \"LastSeenAt\" = TIMESTAMPTZ '1970-01-01 00:00:00+00';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Older versions expect the sentinel back before the column is non-null again.
            migrationBuilder.Sql("UPDATE users SET \"LastSeenAt\" = TIMESTAMPTZ '1970-01-01 00:00:00+00' WHERE \"LastSeenAt\" IS NULL;");

            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "LastSeenAt",
                table: "users",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: DateTimeOffset.UnixEpoch,
                oldClrType: typeof(DateTimeOffset),
                oldType: "timestamp with time zone",
                oldNullable: true);
        }
    }
}
