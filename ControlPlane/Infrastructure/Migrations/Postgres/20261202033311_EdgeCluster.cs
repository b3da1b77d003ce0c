using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
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
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "edges",
                columns: table => new
                {
                    EdgeId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    PeerUrl = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    ConnectorUrl = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    PeerHealthJson = table.Column<string>(type: "text", nullable: false),
                    ReportedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
