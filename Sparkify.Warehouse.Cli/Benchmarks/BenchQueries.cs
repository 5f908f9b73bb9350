using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Each analyst helper against the hand-written PostgreSQL a competent analyst would run for the same
/// answer, on the loaded warehouse: once over everything and once over one week of paid plays.
/// </summary>
internal static class BenchQueries
{
    /// <summary>The user with the most plays (ties: the smallest id), whose history the user-history measurements read.</summary>
    internal const string BusiestUserSql = "SELECT user_id FROM songplays GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1";

    private const int MinRepeats = 9;

    private const int MaxRepeats = 200;

    /// <summary>Quick queries repeat until each side has run this long, so their best time is a stable one.</summary>
    private static readonly TimeSpan MinTotal = TimeSpan.FromSeconds(2);

    /// <summary>One query's best seconds through the helper and by hand.</summary>
    public sealed record Result(string Name, double HelperSeconds, double HandSeconds)
    {
        public double Ratio => HelperSeconds / HandSeconds;
    }

    public static async Task<List<Result>> RunAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var first = new NpgsqlCommand($"SELECT MIN(start_time), ({BusiestUserSql}) FROM songplays", connection);
        DateTime from;
        int user;
        await using (var reader = await first.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            from = reader.GetDateTime(0).Date.AddDays(7);
            user = reader.GetInt32(1);
        }

        var to = from.AddDays(7);
        await using var context = WarehouseConnections.CreateContext(connectionString, WarehouseProvider.Postgres);

        // Both sides run on a connection held open, so a ratio compares the helper's SQL and
        // materialization with the hand-written SQL and a plain reader, not the pool resetting a
        // connection the context would otherwise open and close around every query.
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<Result>();
        foreach (var (label, filtered) in new[] { ("", false), (" (1 week, paid)", true) })
        {
            var where = filtered ? $"sp.start_time >= '{from:yyyy-MM-dd}' AND sp.start_time < '{to:yyyy-MM-dd}' AND sp.level = 'paid'" : "TRUE";
            IQueryable<SongPlay> Plays() => filtered ? context.SongPlays.Between(from, to).ForLevel("paid") : context.SongPlays;
            var queries = new (string Name, Func<Task> Helper, string Sql)[]
            {
                ("top-songs", () => Plays().TopSongs().ToListAsync(cancellationToken), $"""
                    WITH counted AS (
                        SELECT sp.song_id, COUNT(*) AS plays FROM songplays AS sp
                        WHERE sp.song_id IS NOT NULL AND {where} GROUP BY sp.song_id)
                    SELECT c.song_id, s.title, a.name, c.plays
                    FROM counted AS c LEFT JOIN songs AS s ON s.song_id = c.song_id LEFT JOIN artists AS a ON a.artist_id = s.artist_id
                    ORDER BY c.plays DESC, c.song_id COLLATE "C" LIMIT 10
                    """),
                ("top-artists", () => Plays().TopArtists().ToListAsync(cancellationToken), $"""
                    WITH counted AS (
                        SELECT sp.artist_id, COUNT(*) AS plays FROM songplays AS sp
                        WHERE sp.artist_id IS NOT NULL AND {where} GROUP BY sp.artist_id)
                    SELECT c.artist_id, a.name, c.plays FROM counted AS c LEFT JOIN artists AS a ON a.artist_id = c.artist_id
                    ORDER BY c.plays DESC, c.artist_id COLLATE "C" LIMIT 10
                    """),
                ("top-locations", () => Plays().TopLocations().ToListAsync(cancellationToken), $"""
                    SELECT sp.location, COUNT(*) AS plays FROM songplays AS sp WHERE {where}
                    GROUP BY sp.location ORDER BY plays DESC, sp.location COLLATE "C" NULLS LAST LIMIT 10
                    """),
                ("plays-by-hour", () => Plays().PlaysByHourAsync(cancellationToken), $"""
                    SELECT CAST(EXTRACT(HOUR FROM sp.start_time) AS INTEGER) AS hour, COUNT(*) FROM songplays AS sp WHERE {where} GROUP BY 1
                    """),
                ("plays-by-weekday", () => Plays().PlaysByWeekdayAsync(cancellationToken), $"""
                    SELECT CAST(EXTRACT(DOW FROM sp.start_time) AS INTEGER) AS weekday, COUNT(*) FROM songplays AS sp WHERE {where} GROUP BY 1
                    """),
                ("level-comparison", () => Plays().LevelComparison().ToListAsync(cancellationToken), $"""
                    SELECT sp.level, COUNT(DISTINCT sp.user_id), COUNT(*), ROUND(COUNT(*) * 1.0 / COUNT(DISTINCT sp.user_id), 2)
                    FROM songplays AS sp WHERE {where} GROUP BY sp.level ORDER BY sp.level COLLATE "C"
                    """),
                ("daily-active-users", () => Plays().DailyActiveUsers().ToListAsync(cancellationToken), $"""
                    SELECT CAST(sp.start_time AS DATE) AS day, COUNT(DISTINCT sp.user_id) FROM songplays AS sp WHERE {where}
                    GROUP BY day ORDER BY day
                    """),
                ("user-history", () => Plays().UserHistory(user).ToListAsync(cancellationToken), $"""
                    SELECT sp.start_time, sp.session_id, sp.song_id, s.title, a.name, sp.level
                    FROM songplays AS sp LEFT JOIN songs AS s ON s.song_id = sp.song_id LEFT JOIN artists AS a ON a.artist_id = s.artist_id
                    WHERE sp.user_id = {user} AND {where} ORDER BY sp.start_time, sp.session_id, sp.item_in_session
                    """),
            };

            foreach (var (name, helper, sql) in queries)
            {
                var helperTimes = new List<double>();
                var handTimes = new List<double>();

                // Warm both paths (EF's query compilation, the server's caches), start from a collected
                // heap so neither side pays for garbage left by earlier measurements, then alternate,
                // swapping which side goes first every round.
                await helper().ConfigureAwait(false);
                await HandAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                for (var i = 0; i < MaxRepeats && (i < MinRepeats || Math.Min(helperTimes.Sum(), handTimes.Sum()) < MinTotal.TotalSeconds); i++)
                {
                    if (i % 2 == 0)
                    {
                        helperTimes.Add(await TimeAsync(helper).ConfigureAwait(false));
                        handTimes.Add(await TimeAsync(() => HandAsync(connection, sql, cancellationToken)).ConfigureAwait(false));
                    }
                    else
                    {
                        handTimes.Add(await TimeAsync(() => HandAsync(connection, sql, cancellationToken)).ConfigureAwait(false));
                        helperTimes.Add(await TimeAsync(helper).ConfigureAwait(false));
                    }
                }

                // Best of the runs: on a machine shared with other work, the fastest run is the one
                // least disturbed, and both sides get as many chances.
                results.Add(new Result(name + label, helperTimes.Min(), handTimes.Min()));
            }
        }

        return results;
    }

    private static async Task HandAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            reader.GetValues(values);
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action().ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }
}
