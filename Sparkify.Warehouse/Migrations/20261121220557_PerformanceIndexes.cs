using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class PerformanceIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Loads write less: the foreign-key indexes EF added by convention serve no query, and the
            // start_time B-tree becomes a BRIN index the load summarizes once (see SongPlayConfiguration).
            // Redshift has no indexes, so this migration is empty there.
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

            migrationBuilder.CreateIndex(
                name: "ix_songplays_start_time",
                table: "songplays",
                column: "start_time")
                .Annotation("Npgsql:IndexMethod", "brin")
                .Annotation("Npgsql:StorageParameter:autosummarize", true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_songplays_start_time",
                table: "songplays");

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
