using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class RedshiftKeysFromData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Distribution keys chosen from the data (README, "Redshift table design"): no key that is
            // NULL for most rows, since Redshift puts every NULL key on one slice. Redshift only;
            // PostgreSQL has no distribution and skips these steps. The sort keys stay as they were.
            migrationBuilder.RedshiftSql("ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"time\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_events\" ALTER DISTSTYLE EVEN");
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_songs\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RedshiftSql("ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"time\" ALTER DISTSTYLE ALL");
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_events\" ALTER DISTSTYLE KEY DISTKEY \"song\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_songs\" ALTER DISTSTYLE KEY DISTKEY \"title\"");
        }
    }
}
