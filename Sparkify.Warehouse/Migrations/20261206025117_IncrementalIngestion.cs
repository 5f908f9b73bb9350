using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class IncrementalIngestion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Incremental loads: the ledger of consumed files (load_files), and each song's and play's
            // match key (title, artist name, duration) so plays and songs that arrive in different
            // loads are still matched. Added in title, artist, length order, the order of the key; added
            // columns go last whatever their model order (EF warns when asked otherwise), so none is given.
            migrationBuilder.AddColumn<string>(
                name: "artist_name",
                table: "songs",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "song_title",
                table: "songplays",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "artist_name",
                table: "songplays",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "song_length",
                table: "songplays",
                type: "double precision",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "load_files",
                columns: table => new
                {
                    uri = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    etag = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    modified_at = table.Column<DateTime>(type: "timestamp without time zone", nullable: true),
                    run_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    records_staged = table.Column<long>(type: "bigint", nullable: false),
                    records_rejected = table.Column<long>(type: "bigint", nullable: false),
                    loaded_at = table.Column<DateTime>(type: "timestamp without time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_load_files", x => x.uri);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "load_files");

            migrationBuilder.DropColumn(
                name: "artist_name",
                table: "songs");

            migrationBuilder.DropColumn(
                name: "artist_name",
                table: "songplays");

            migrationBuilder.DropColumn(
                name: "song_length",
                table: "songplays");

            migrationBuilder.DropColumn(
                name: "song_title",
                table: "songplays");
        }
    }
}
