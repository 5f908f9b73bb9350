using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Reads a test warehouse's tables directly: counts, the audit tables, whole rows as text.</summary>
internal static class WarehouseDb
{
    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The single value <paramref name="sql"/> answers on an open connection, as a long.</summary>
    public static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every row of <paramref name="sql"/>, each as its columns' text joined by '|' (NULL as ∅).</summary>
    public static async Task<List<string>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    /// <summary>The runs, oldest first.</summary>
    public static async Task<List<LoadRun>> RunsAsync(string connectionString)
    {
        await using var context = Context(connectionString);
        return await context.LoadRuns.OrderBy(r => r.StartedAt).ToListAsync();
    }

    public static async Task<List<LoadError>> ErrorsAsync(string connectionString, Guid runId)
    {
        await using var context = Context(connectionString);
        return await context.LoadErrors.Where(e => e.RunId == runId).OrderBy(e => e.Source).ThenBy(e => e.LineNumber).ToListAsync();
    }

    /// <summary>A loader for <paramref name="connectionString"/> that retries quickly, so fault tests do not sleep.</summary>
    public static WarehouseLoader Loader(string connectionString, int transientRetries = 2, S3Settings? s3 = null)
        => new(new WarehouseOptions { ConnectionString = connectionString, S3 = s3 ?? new S3Settings() })
        {
            TransientRetries = transientRetries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        };

    /// <summary>
    /// Loads every song file and the logs of 1–15 November with the real loader, so that "unchanged" and
    /// "everything loaded" are different states; returns the star tables it left.
    /// </summary>
    public static async Task<Star> PreloadEarlierDaysAsync(string connectionString)
    {
        var (earlier, _) = SampleBatches.SplitLogDays(15);
        try
        {
            await Loader(connectionString).LoadAsync(SampleRequest() with { EventsSource = earlier });
            return await ReadStarAsync(connectionString);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(earlier)!, recursive: true);
        }
    }

    public static LoadRequest SampleRequest() => new() { SongsSource = TestEnvironment.SampleSongs, EventsSource = TestEnvironment.SampleLogs };

    private static WarehouseDbContext Context(string connectionString)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString).Options);
}
