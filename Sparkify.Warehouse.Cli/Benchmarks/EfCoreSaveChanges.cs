using System.Globalization;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>EF Core's AddRange + SaveChanges on a sample of plays: what the COPY-based load is spared.</summary>
internal static class EfCoreSaveChanges
{
    public static async Task MeasureAsync(string database, int rows, BenchReport report, CancellationToken cancellationToken)
    {
        await using var context = WarehouseConnections.CreateContext(database, WarehouseProvider.Postgres);
        var plays = SamplePlays(rows);
        var (seconds, saved) = await BenchTiming.TimeAsync(async () =>
        {
            context.SongPlays.AddRange(plays);
            return await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        report.Add("EF Core AddRange + SaveChanges (songplays)", seconds, saved, bytes: null);
    }

    /// <summary>Plays shaped like real ones (the real sample's typical location and user agent lengths).</summary>
    private static List<SongPlay> SamplePlays(int count)
    {
        var start = new DateTime(2018, 11, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return [.. Enumerable.Range(0, count).Select(i => new SongPlay
        {
            StartTime = start.AddMilliseconds(i * 1_337L),
            UserId = i % 97,
            Level = i % 3 == 0 ? "paid" : "free",
            SongId = string.Create(CultureInfo.InvariantCulture, $"SO{i % 5000:D16}"),
            ArtistId = string.Create(CultureInfo.InvariantCulture, $"AR{i % 900:D16}"),
            SessionId = i / 40,
            ItemInSession = i % 40,
            Location = "San Francisco-Oakland-Hayward, CA",
            UserAgent = "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36\"",
        })];
    }
}
