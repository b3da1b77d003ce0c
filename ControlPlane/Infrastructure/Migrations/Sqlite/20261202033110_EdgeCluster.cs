using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EdgeCluster : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LocalIngressJson",
                table: "connections",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "edges",
                columns: table => new
                {
                    EdgeId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    PeerUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    ConnectorUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    PeerHealthJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReportedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_edges", x => x.EdgeId);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "edges");

            migrationBuilder.DropColumn(
                name: "LocalIngressJson",
                table: "connections");
        }
    }
}
