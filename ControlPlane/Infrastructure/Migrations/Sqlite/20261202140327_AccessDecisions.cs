using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_decisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    EdgeId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    ApplicationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Application = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    Groups = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    ServiceToken = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ClientIp = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ExplanationJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_decisions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_decisions_At",
                table: "access_decisions",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_access_decisions_RequestId",
                table: "access_decisions",
                column: "RequestId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_decisions");
        }
    }
}
