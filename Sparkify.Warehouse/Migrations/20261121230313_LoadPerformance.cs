using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class LoadPerformance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Loads write less: every index is one more write per inserted row, and these serve no
            // query (see WarehouseDbContext.ConfigureConventions and SongPlayConfiguration); autovacuum
            // leaves the staging tables to the loader. Redshift has neither indexes nor autovacuum
            // settings. staging_manifests lets a load keep unchanged staged songs (PostgresStaging).
            migrationBuilder.DropIndex(
                name: "IX_songs_artist_id",
                table: "songs");

            migrationBuilder.DropIndex(
                name: "IX_songplays_artist_id",
                table: "songplays");

            migrationBuilder.DropIndex(
                name: "IX_songplays_song_id",
                table: "songplays");

            migrationBuilder.DropIndex(
                name: "ix_songplays_start_time",
                table: "songplays");

            migrationBuilder.AlterTable(
                name: "staging_songs")
                .Annotation("Npgsql:StorageParameter:autovacuum_enabled", false)
                .Annotation("Npgsql:UnloggedTable", true)
                .OldAnnotation("Npgsql:UnloggedTable", true);

            migrationBuilder.AlterTable(
                name: "staging_events")
                .Annotation("Npgsql:StorageParameter:autovacuum_enabled", false)
                .Annotation("Npgsql:UnloggedTable", true)
                .OldAnnotation("Npgsql:UnloggedTable", true);

            migrationBuilder.CreateTable(
                name: "staging_manifests",
                columns: table => new
                {
                    table_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    fingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    file_count = table.Column<long>(type: "bigint", nullable: false),
                    row_count = table.Column<long>(type: "bigint", nullable: false),
                    storage = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_staging_manifests", x => x.table_name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "staging_manifests");

            migrationBuilder.AlterTable(
                name: "staging_songs")
                .Annotation("Npgsql:UnloggedTable", true)
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_enabled", false)
                .OldAnnotation("Npgsql:UnloggedTable", true);

            migrationBuilder.AlterTable(
                name: "staging_events")
                .Annotation("Npgsql:UnloggedTable", true)
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_enabled", false)
                .OldAnnotation("Npgsql:UnloggedTable", true);

            migrationBuilder.CreateIndex(
                name: "IX_songs_artist_id",
                table: "songs",
                column: "artist_id");

            migrationBuilder.CreateIndex(
                name: "IX_songplays_artist_id",
                table: "songplays",
                column: "artist_id");

            migrationBuilder.CreateIndex(
                name: "IX_songplays_song_id",
                table: "songplays",
                column: "song_id");

            migrationBuilder.CreateIndex(
                name: "ix_songplays_start_time",
                table: "songplays",
                column: "start_time");
        }
    }
}
