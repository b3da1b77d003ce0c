using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UserLastSeenNullable : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The epoch sentinel becomes NULL in the next migration, UserNeverSignedInNull: SQLite rebuilds the table
            // at the end of a migration, so an UPDATE here would still meet the NOT NULL column.
            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "LastSeenAt",
                table: "users",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(DateTimeOffset),
                oldType: "TEXT");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<DateTimeOffset>(
                name: "LastSeenAt",
                table: "users",
                type: "TEXT",
                nullable: false,
                defaultValue: DateTimeOffset.UnixEpoch,
                oldClrType: typeof(DateTimeOffset),
                oldType: "TEXT",
                oldNullable: true);
        }
    }
}
