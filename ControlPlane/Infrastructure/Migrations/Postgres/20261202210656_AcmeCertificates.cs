using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tunnel.ControlPlane.Infrastructure.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AcmeCertificates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "acme_accounts",
                columns: table => new
                {
                    DirectoryUrl = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    ProtectedKeyPem = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_acme_accounts", x => x.DirectoryUrl);
                });

            migrationBuilder.CreateTable(
                name: "acme_challenges",
                columns: table => new
                {
                    Token = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    KeyAuthorization = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ExpiresMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_acme_challenges", x => x.Token);
                });

            migrationBuilder.CreateTable(
                name: "certificates",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    CertificatePem = table.Column<string>(type: "text", nullable: true),
                    ProtectedKeyPem = table.Column<string>(type: "text", nullable: true),
                    Thumbprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Issuer = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    NotBeforeMs = table.Column<long>(type: "bigint", nullable: false),
                    NotAfterMs = table.Column<long>(type: "bigint", nullable: false),
                    IssuedAtMs = table.Column<long>(type: "bigint", nullable: false),
                    IssuedBy = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    LastAttemptMs = table.Column<long>(type: "bigint", nullable: false),
                    LastError = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    FailuresInARow = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptMs = table.Column<long>(type: "bigint", nullable: false),
                    LeaseHolder = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    LeaseUntilMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_certificates", x => x.Name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "acme_accounts");

            migrationBuilder.DropTable(
                name: "acme_challenges");

            migrationBuilder.DropTable(
                name: "certificates");
        }
    }
}
