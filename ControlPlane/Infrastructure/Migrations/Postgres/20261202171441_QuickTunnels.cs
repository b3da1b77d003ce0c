using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QuickTunnels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ExpiresAt",
                table: "tunnels",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Quick",
                table: "tunnels",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "QuickAccessAppId",
                table: "tunnels",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "QuickClientAddress",
                table: "tunnels",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "QuickKeyHash",
                table: "tunnels",
                type: "bytea",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "QuickLastConnectedAt",
                table: "tunnels",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_tunnels_Quick",
                table: "tunnels",
                column: "Quick");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tunnels_Quick",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "Quick",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "QuickAccessAppId",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "QuickClientAddress",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "QuickKeyHash",
                table: "tunnels");

            migrationBuilder.DropColumn(
                name: "QuickLastConnectedAt",
                table: "tunnels");
        }
    }
}
