using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TrafficInspector : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "capture_settings",
                columns: table => new
                {
                    TunnelId = table.Column<Guid>(type: "uuid", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Hostnames = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    BodyLimitBytes = table.Column<long>(type: "bigint", nullable: false),
                    MaxRequests = table.Column<int>(type: "integer", nullable: false),
                    RetentionHours = table.Column<int>(type: "integer", nullable: false),
                    Full = table.Column<bool>(type: "boolean", nullable: false),
                    RedactHeaders = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    RedactFields = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    Dropped = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedBy = table.Column<string>(type: "character varying(340)", maxLength: 340, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_capture_settings", x => x.TunnelId);
                    table.ForeignKey(
                        name: "FK_capture_settings_tunnels_TunnelId",
                        column: x => x.TunnelId,
                        principalTable: "tunnels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "captures",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExchangeId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TunnelId = table.Column<Guid>(type: "uuid", nullable: false),
                    Hostname = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    Method = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Url = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: false),
                    Path = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: false),
                    HttpVersion = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ClientAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RequestHeadersJson = table.Column<string>(type: "text", nullable: false),
                    RequestBody = table.Column<byte[]>(type: "bytea", nullable: false),
                    RequestBodySize = table.Column<long>(type: "bigint", nullable: false),
                    RequestBodyDecoded = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Status = table.Column<int>(type: "integer", nullable: false),
                    ResponseHeadersJson = table.Column<string>(type: "text", nullable: false),
                    ResponseBody = table.Column<byte[]>(type: "bytea", nullable: false),
                    ResponseBodySize = table.Column<long>(type: "bigint", nullable: false),
                    ResponseBodyDecoded = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    DurationMs = table.Column<double>(type: "double precision", nullable: false),
                    FirstByteMs = table.Column<double>(type: "double precision", nullable: true),
                    EdgeId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ServedByEdge = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ConnectorId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Identity = table.Column<string>(type: "character varying(340)", maxLength: 340, nullable: false),
                    TraceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RequestId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ReplayOf = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Redacted = table.Column<bool>(type: "boolean", nullable: false),
                    RequestBodyTruncated = table.Column<bool>(type: "boolean", nullable: false),
                    ResponseBodyTruncated = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_captures", x => x.Seq);
                    table.ForeignKey(
                        name: "FK_captures_tunnels_TunnelId",
                        column: x => x.TunnelId,
                        principalTable: "tunnels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_captures_At",
                table: "captures",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_captures_ExchangeId",
                table: "captures",
                column: "ExchangeId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_captures_TunnelId_Seq",
                table: "captures",
                columns: new[] { "TunnelId", "Seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "capture_settings");

            migrationBuilder.DropTable(
                name: "captures");
        }
    }
}
