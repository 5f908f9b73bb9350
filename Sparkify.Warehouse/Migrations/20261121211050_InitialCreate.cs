using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "artists",
                columns: table => new
                {
                    artist_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    location = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    latitude = table.Column<double>(type: "double precision", nullable: true),
                    longitude = table.Column<double>(type: "double precision", nullable: true),
                    source_song_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_artists", x => x.artist_id);
                });

            migrationBuilder.CreateTable(
                name: "load_errors",
                columns: table => new
                {
                    load_error_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    source = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    line_number = table.Column<long>(type: "bigint", nullable: false),
                    column_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    reason = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    raw_line = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_load_errors", x => x.load_error_id);
                });

            migrationBuilder.CreateTable(
                name: "load_runs",
                columns: table => new
                {
                    run_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp without time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp without time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    sources = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: true),
                    events_staged = table.Column<long>(type: "bigint", nullable: false),
                    songs_staged = table.Column<long>(type: "bigint", nullable: false),
                    rows_rejected = table.Column<long>(type: "bigint", nullable: false),
                    songplays_inserted = table.Column<long>(type: "bigint", nullable: false),
                    users_upserted = table.Column<long>(type: "bigint", nullable: false),
                    songs_inserted = table.Column<long>(type: "bigint", nullable: false),
                    artists_upserted = table.Column<long>(type: "bigint", nullable: false),
                    time_inserted = table.Column<long>(type: "bigint", nullable: false),
                    error = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_load_runs", x => x.run_id);
                });

            migrationBuilder.CreateTable(
                name: "staging_events",
                columns: table => new
                {
                    artist = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    auth = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    first_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    gender = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    item_in_session = table.Column<int>(type: "integer", nullable: true),
                    last_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    length = table.Column<double>(type: "double precision", nullable: true),
                    level = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    location = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    method = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    page = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    registration = table.Column<double>(type: "double precision", nullable: true),
                    session_id = table.Column<int>(type: "integer", nullable: true),
                    song = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    status = table.Column<int>(type: "integer", nullable: true),
                    ts = table.Column<long>(type: "bigint", nullable: true),
                    user_agent = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                })
                .Annotation("Npgsql:UnloggedTable", true);

            migrationBuilder.CreateTable(
                name: "staging_songs",
                columns: table => new
                {
                    num_songs = table.Column<int>(type: "integer", nullable: true),
                    artist_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    artist_latitude = table.Column<double>(type: "double precision", nullable: true),
                    artist_longitude = table.Column<double>(type: "double precision", nullable: true),
                    artist_location = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    artist_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    song_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    title = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    duration = table.Column<double>(type: "double precision", nullable: true),
                    year = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                })
                .Annotation("Npgsql:UnloggedTable", true);

            migrationBuilder.CreateTable(
                name: "time",
                columns: table => new
                {
                    start_time = table.Column<DateTime>(type: "timestamp without time zone", nullable: false),
                    hour = table.Column<int>(type: "integer", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    week = table.Column<int>(type: "integer", nullable: false),
                    month = table.Column<int>(type: "integer", nullable: false),
                    year = table.Column<int>(type: "integer", nullable: false),
                    weekday = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_time", x => x.start_time);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    user_id = table.Column<int>(type: "integer", nullable: false),
                    first_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    last_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    gender = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    level = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    last_event_ts = table.Column<long>(type: "bigint", nullable: false),
                    last_item_in_session = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "songs",
                columns: table => new
                {
                    song_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    artist_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    year = table.Column<int>(type: "integer", nullable: true),
                    duration = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_songs", x => x.song_id);
                    table.ForeignKey(
                        name: "FK_songs_artists_artist_id",
                        column: x => x.artist_id,
                        principalTable: "artists",
                        principalColumn: "artist_id");
                });

            migrationBuilder.CreateTable(
                name: "songplays",
                columns: table => new
                {
                    songplay_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    start_time = table.Column<DateTime>(type: "timestamp without time zone", nullable: false),
                    user_id = table.Column<int>(type: "integer", nullable: false),
                    level = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    song_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    artist_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    session_id = table.Column<int>(type: "integer", nullable: false),
                    location = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    user_agent = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    item_in_session = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_songplays", x => x.songplay_id);
                    table.ForeignKey(
                        name: "FK_songplays_artists_artist_id",
                        column: x => x.artist_id,
                        principalTable: "artists",
                        principalColumn: "artist_id");
                    table.ForeignKey(
                        name: "FK_songplays_songs_song_id",
                        column: x => x.song_id,
                        principalTable: "songs",
                        principalColumn: "song_id");
                    table.ForeignKey(
                        name: "FK_songplays_time_start_time",
                        column: x => x.start_time,
                        principalTable: "time",
                        principalColumn: "start_time",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_songplays_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "user_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_load_errors_run_id",
                table: "load_errors",
                column: "run_id");

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

            migrationBuilder.CreateIndex(
                name: "ux_songplays_play",
                table: "songplays",
                columns: new[] { "user_id", "session_id", "item_in_session" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_songs_artist_id",
                table: "songs",
                column: "artist_id");

            // Redshift distribution and sort keys (see README, "Redshift table design"). Raw SQL that
            // runs on Redshift only; PostgreSQL skips it.
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_events\" ALTER DISTSTYLE KEY DISTKEY \"song\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"staging_songs\" ALTER DISTSTYLE KEY DISTKEY \"title\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"songplays\" ALTER COMPOUND SORTKEY (\"start_time\")");
            migrationBuilder.RedshiftSql("ALTER TABLE \"songs\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"songs\" ALTER COMPOUND SORTKEY (\"song_id\")");
            migrationBuilder.RedshiftSql("ALTER TABLE \"users\" ALTER DISTSTYLE ALL");
            migrationBuilder.RedshiftSql("ALTER TABLE \"users\" ALTER COMPOUND SORTKEY (\"user_id\")");
            migrationBuilder.RedshiftSql("ALTER TABLE \"artists\" ALTER DISTSTYLE ALL");
            migrationBuilder.RedshiftSql("ALTER TABLE \"artists\" ALTER COMPOUND SORTKEY (\"artist_id\")");
            migrationBuilder.RedshiftSql("ALTER TABLE \"time\" ALTER DISTSTYLE ALL");
            migrationBuilder.RedshiftSql("ALTER TABLE \"time\" ALTER COMPOUND SORTKEY (\"start_time\")");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "load_errors");

            migrationBuilder.DropTable(
                name: "load_runs");

            migrationBuilder.DropTable(
                name: "songplays");

            migrationBuilder.DropTable(
                name: "staging_events");

            migrationBuilder.DropTable(
                name: "staging_songs");

            migrationBuilder.DropTable(
                name: "songs");

            migrationBuilder.DropTable(
                name: "time");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "artists");
        }
    }
}
