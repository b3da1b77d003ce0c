using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TrafficAndReplicas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Draining",
                table: "connections",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "RegistrationsLastHour",
                table: "connections",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "traffic_samples",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TunnelId = table.Column<Guid>(type: "uuid", nullable: false),
                    Hostname = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    EdgeId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ReportId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    Requests = table.Column<long>(type: "bigint", nullable: false),
                    Status4xx = table.Column<long>(type: "bigint", nullable: false),
                    Status5xx = table.Column<long>(type: "bigint", nullable: false),
                    NoConnector = table.Column<long>(type: "bigint", nullable: false),
                    OriginUnreachable = table.Column<long>(type: "bigint", nullable: false),
                    AccessRefused = table.Column<long>(type: "bigint", nullable: false),
                    OtherEdge = table.Column<long>(type: "bigint", nullable: false),
                    BytesIn = table.Column<long>(type: "bigint", nullable: false),
                    BytesOut = table.Column<long>(type: "bigint", nullable: false),
                    Latency = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_traffic_samples", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_traffic_samples_At",
                table: "traffic_samples",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_traffic_samples_EdgeId_ReportId",
                table: "traffic_samples",
                columns: new[] { "EdgeId", "ReportId" });

            migrationBuilder.CreateIndex(
                name: "IX_traffic_samples_TunnelId_At",
                table: "traffic_samples",
                columns: new[] { "TunnelId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "traffic_samples");

            migrationBuilder.DropColumn(
                name: "Draining",
                table: "connections");

            migrationBuilder.DropColumn(
                name: "RegistrationsLastHour",
                table: "connections");
        }
    }
}
