using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "tunnels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SecretHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    SecretGeneration = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tunnels", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "connections",
                columns: table => new
                {
                    ConnectionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TunnelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ConnectorId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ConnectionIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    EdgeId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RemoteAddress = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ConnectedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    LastHeartbeat = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    ReportedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connections", x => x.ConnectionId);
                    table.ForeignKey(
                        name: "FK_connections_tunnels_TunnelId",
                        column: x => x.TunnelId,
                        principalTable: "tunnels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "hostnames",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    TunnelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hostnames", x => x.Name);
                    table.ForeignKey(
                        name: "FK_hostnames_tunnels_TunnelId",
                        column: x => x.TunnelId,
                        principalTable: "tunnels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_connections_EdgeId",
                table: "connections",
                column: "EdgeId");

            migrationBuilder.CreateIndex(
                name: "IX_connections_TunnelId",
                table: "connections",
                column: "TunnelId");

            migrationBuilder.CreateIndex(
                name: "IX_hostnames_TunnelId",
                table: "hostnames",
                column: "TunnelId");

            migrationBuilder.CreateIndex(
                name: "IX_tunnels_Name",
                table: "tunnels",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "connections");

            migrationBuilder.DropTable(
                name: "hostnames");

            migrationBuilder.DropTable(
                name: "tunnels");
        }
    }
}
