using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Queries;

/// <summary>
/// The SQL every helper sends: one statement per helper, nothing evaluated on the client (EF's query
/// warnings are errors here), no correlated subqueries, and for Redshift a text that sqlfluff's
/// Redshift grammar accepts and that uses nothing Redshift lacks.
/// </summary>
public sealed partial class SongPlayQueriesSqlTests(SampleWarehouseFixture sample) : IClassFixture<SampleWarehouseFixture>
{
    private static readonly DateTime From = new(2018, 11, 5);
    private static readonly DateTime To = new(2018, 11, 25);

    /// <summary>Each helper as the query it translates to, and as the call an analyst makes.</summary>
    private static readonly (string Name, Func<IQueryable<SongPlay>, IQueryable> Query, Func<IQueryable<SongPlay>, Task<int>> Run)[] Helpers =
    [
        ("top-songs", p => p.TopSongs(), async p => (await p.TopSongs().ToListAsync()).Count),
        ("top-artists", p => p.TopArtists(), async p => (await p.TopArtists().ToListAsync()).Count),
        ("top-locations", p => p.TopLocations(), async p => (await p.TopLocations().ToListAsync()).Count),
        ("plays-by-hour", SongPlayQueries.PlaysByHourCounts, async p => (await p.PlaysByHourAsync()).Count),
        ("plays-by-weekday", SongPlayQueries.PlaysByWeekdayCounts, async p => (await p.PlaysByWeekdayAsync()).Count),
        ("level-comparison", p => p.LevelComparison(), async p => (await p.LevelComparison().ToListAsync()).Count),
        ("daily-active-users", p => p.DailyActiveUsers(), async p => (await p.DailyActiveUsers().ToListAsync()).Count),
        ("user-history", p => p.UserHistory(15), async p => (await p.UserHistory(15).ToListAsync()).Count),
        ("summary", SongPlayQueries.PlaySummaryQuery, async p => (int)(await p.SummaryAsync()).Plays),
    ];

    // Constructs PostgreSQL has and Redshift rejects or lacks (REDSHIFT.md §1), or that would mean the
    // query was not a single flat statement (EXISTS/IN subqueries, LATERAL joins, constant tables).
    private static readonly string[] Forbidden =
    [
        "COLLATE", "GENERATE_SERIES", "UNNEST", "VALUES", "LATERAL", "EXISTS", "ARRAY", "DISTINCT ON", "IS DISTINCT FROM",
        "ILIKE", "STRING_AGG", "ARRAY_AGG", "FILTER (", "OFFSET",
    ];

    public static TheoryData<string> Names => [.. Helpers.Select(h => h.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Helper_runs_as_exactly_one_statement_with_query_warnings_as_errors(string name)
    {
        var helper = Helpers.Single(h => h.Name == name);
        var recorder = new CommandRecorder();
        await using var context = StrictContext(sample.ConnectionString, recorder);
        var plays = context.SongPlays.Between(From, To).ForLevel("paid");

        var rows = await helper.Run(plays);

        Assert.True(rows > 0, $"{name} returned nothing; the check would prove little.");
        var command = Assert.Single(recorder.Commands);
        Assert.Equal(StripParameters(helper.Query(plays).ToQueryString()), command);
    }

    [Fact]
    public async Task The_strict_context_does_turn_query_warnings_and_untranslatable_code_into_errors()
    {
        await using var context = StrictContext(sample.ConnectionString, new CommandRecorder());

        // A row limit without ordering only warns by default (RowLimitingOperationWithoutOrderByWarning).
        await Assert.ThrowsAsync<InvalidOperationException>(() => context.SongPlays.Take(1).ToListAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => context.SongPlays.Where(p => IsLongLocation(p.Location)).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Redshift_sql_uses_nothing_redshift_lacks_and_has_no_correlated_subquery(string name)
    {
        var sql = RedshiftSql(name);

        foreach (var construct in Forbidden)
        {
            Assert.DoesNotContain(construct, sql, StringComparison.OrdinalIgnoreCase);
        }

        // Every subquery is a derived table in FROM or JOIN, never in the select list or WHERE.
        foreach (Match subquery in SubqueryPattern().Matches(sql))
        {
            Assert.Matches(@"(FROM|JOIN)\s*$", sql[..subquery.Index]);
        }

        Assert.DoesNotContain(";", sql, StringComparison.Ordinal);
        Assert.Matches(@"^SELECT ", sql);
    }

    [Fact]
    public async Task Redshift_sql_of_every_helper_parses_as_redshift()
    {
        var statements = Helpers.Select(h => RedshiftSql(h.Name)).ToList();

        await Sqlfluff.AssertParsesAsync(string.Join(";\n\n", statements) + ";\n", statements.Count);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Postgres_sql_differs_from_redshift_sql_only_by_collate_c(string name)
    {
        var postgres = ToQueryString(name, WarehouseProvider.Postgres);
        var redshift = ToQueryString(name, WarehouseProvider.Redshift);

        Assert.Equal(redshift, postgres.Replace(" COLLATE \"C\"", "", StringComparison.Ordinal));
        var textOrdering = name is "top-songs" or "top-artists" or "top-locations" or "level-comparison";
        Assert.Equal(textOrdering, postgres.Contains(" COLLATE \"C\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Top_queries_inline_the_limit_as_a_literal()
    {
        using var context = Context(WarehouseProvider.Redshift);

        // The top songs are counted and limited first, then joined to their titles and artists.
        Assert.Contains("\n    LIMIT 7\n", context.SongPlays.TopSongs(7).ToQueryString(), StringComparison.Ordinal);
        Assert.EndsWith("\nLIMIT 10", context.SongPlays.TopLocations().ToQueryString(), StringComparison.Ordinal);
    }

    private static bool IsLongLocation(string? location) => location?.Length > 30;

    private static WarehouseDbContext StrictContext(string connectionString, CommandRecorder recorder)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>()
            .UseWarehouse(connectionString)
            .ConfigureWarnings(w => w
                .Default(WarningBehavior.Throw)
                .Throw(
                    RelationalEventId.MultipleCollectionIncludeWarning,
                    RelationalEventId.QueryPossibleUnintendedUseOfEqualsWarning,
                    CoreEventId.RowLimitingOperationWithoutOrderByWarning,
                    CoreEventId.FirstWithoutOrderByAndFilterWarning,
                    CoreEventId.DistinctAfterOrderByWithoutRowLimitingOperatorWarning,
                    CoreEventId.PossibleUnintendedCollectionNavigationNullComparisonWarning))
            .AddInterceptors(recorder)
            .Options);

    private static WarehouseDbContext Context(WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost", provider).Options);

    private static string ToQueryString(string name, WarehouseProvider provider)
    {
        using var context = Context(provider);
        return Helpers.Single(h => h.Name == name).Query(context.SongPlays.Between(From, To).ForLevel("paid")).ToQueryString();
    }

    /// <summary>
    /// The Redshift-flavoured SQL with its parameters written in as literals: sqlfluff knows no
    /// driver placeholders (Npgsql sends <c>@name</c> as <c>$1</c>, which Redshift binds).
    /// </summary>
    private static string RedshiftSql(string name)
    {
        var text = ToQueryString(name, WarehouseProvider.Redshift);
        var values = ParameterPattern().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var sql = StripParameters(text);
        return PlaceholderPattern().Replace(sql, m => Literal(values[m.Groups[1].Value]));
    }

    private static string Literal(string value)
    {
        if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return $"TIMESTAMP '{time:yyyy-MM-dd HH:mm:ss.fff}'";
        }

        return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number.ToString(CultureInfo.InvariantCulture)
            : $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
    }

    private static string StripParameters(string queryString)
        => string.Join('\n', queryString.Split('\n').Where(line => !line.StartsWith("-- @", StringComparison.Ordinal))).Trim();

    [GeneratedRegex(@"^-- @(\w+)='(.*?)'(?: \(.*\))?$", RegexOptions.Multiline)]
    private static partial Regex ParameterPattern();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"\(\s*SELECT\b", RegexOptions.IgnoreCase)]
    private static partial Regex SubqueryPattern();

    /// <summary>Records the text of every command EF executes.</summary>
    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public List<string> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(command.CommandText.Trim());
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Commands.Add(command.CommandText.Trim());
            return base.ReaderExecuting(command, eventData, result);
        }
    }
}
