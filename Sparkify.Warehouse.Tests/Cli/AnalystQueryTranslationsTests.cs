using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Tests.Reporting;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// The stored translations <c>sparkify query</c> sends on PostgreSQL are exactly what EF Core sends for the library's
/// helpers now (recorded from the catalog's own <see cref="AnalystQuery.Run"/> on a generated month, every query and every
/// combination of filters), and running them on a generated month returns the helpers' rows, value for value and type for type.
/// With <c>SPARKIFY_UPDATE_QUERIES=1</c> the test rewrites the stored file instead of failing.
/// </summary>
public sealed class AnalystQueryTranslationsTests(GeneratedMonthFixture month) : IClassFixture<GeneratedMonthFixture>
{
    private const string UpdateVariable = "SPARKIFY_UPDATE_QUERIES";

    // Values no other part of the SQL contains, so each recorded parameter and the limit are told apart by value.
    private const int RecordedLimit = 54321;
    private static readonly DateTime RecordedFrom = new(2018, 11, 3, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime RecordedTo = new(2018, 11, 24, 12, 0, 0, DateTimeKind.Utc);
    private const string RecordedLevel = "paid";
    private const int RecordedUserId = 15;

    private static readonly string StoredPath = Path.Combine(TestEnvironment.RepositoryRoot, "Sparkify.Warehouse.Cli", "Queries", "AnalystQueryTranslations.g.cs");

    public static TheoryData<string, bool, bool, bool> EveryQueryAndFilters()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (var query in AnalystQueryCatalog.All)
        {
            foreach (var (from, to, level) in FilterCombinations())
            {
                data.Add(query.Name, from, to, level);
            }
        }

        return data;
    }

    [Fact]
    public async Task The_stored_translations_are_what_EF_Core_sends_now()
    {
        var generated = await GenerateAsync();
        var stored = File.Exists(StoredPath) ? File.ReadAllText(StoredPath).ReplaceLineEndings("\n") : "";
        if (stored != generated && Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(StoredPath, generated);
            stored = generated;
        }

        Assert.True(
            stored == generated,
            $"{StoredPath} is not what EF Core translates the analyst queries to now; rerun with {UpdateVariable}=1 "
            + "dotnet test Sparkify.Warehouse.Tests --filter FullyQualifiedName~AnalystQueryTranslationsTests to rewrite it.");
    }

    [Theory]
    [MemberData(nameof(EveryQueryAndFilters))]
    public async Task A_stored_translation_returns_the_helpers_rows(string name, bool from, bool to, bool level)
    {
        var query = AnalystQueryCatalog.Find(name)!;

        // Another limit, window and user than the recorded ones: the marker and the parameters carry them.
        var first = month.RawPlays.Min(p => p.StartTime);
        DateTime? lower = from ? first.AddDays(3.25) : null;
        DateTime? upper = to ? first.AddDays(25) : null;
        var chosenLevel = level ? "free" : null;
        var busiest = month.RawPlays
            .Where(p => (lower is null || p.StartTime >= lower) && (upper is null || p.StartTime < upper) && (chosenLevel is null || p.Level == chosenLevel))
            .GroupBy(p => p.UserId)
            .MaxBy(g => g.Count())!.Key;
        var arguments = new QueryArguments(
            lower is { } l ? DateTime.SpecifyKind(l, DateTimeKind.Utc) : null,
            upper is { } u ? DateTime.SpecifyKind(u, DateTimeKind.Utc) : null,
            chosenLevel,
            Limit: 3,
            UserId: query.NeedsUserId ? busiest : null);

        await using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(month.ConnectionString).Options);
        var expected = await query.Run(AnalystQueryCatalog.Filter(context.SongPlays, arguments), arguments, CancellationToken.None);
        var actual = await AnalystQueryTranslations.RunAsync(month.ConnectionString, query, arguments, CancellationToken.None);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var f = 0; f < expected[i].Length; f++)
            {
                Assert.Equal(expected[i][f]?.GetType(), actual[i][f]?.GetType());
                Assert.Equal(expected[i][f], actual[i][f]);
                Assert.Equal((expected[i][f] as DateTime?)?.Kind, (actual[i][f] as DateTime?)?.Kind);
            }
        }
    }

    [Fact]
    public async Task The_benchs_psql_statement_returns_what_the_command_reads()
    {
        var user = month.RawPlays.GroupBy(p => p.UserId).MaxBy(g => g.Count())!.Key;
        await using var connection = new NpgsqlConnection(month.ConnectionString);
        await connection.OpenAsync();
        foreach (var query in AnalystQueryCatalog.All)
        {
            var arguments = new QueryArguments(null, null, null, 4, query.NeedsUserId ? user : null);
            var sql = Sparkify.Warehouse.Cli.Benchmarks.QueryProcesses.StatementWithLiterals(query, arguments);
            var rows = new List<object?[]>();
            await using (var command = new NpgsqlCommand(sql, connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : query.FieldTypes[i] == typeof(DateOnly) ? reader.GetFieldValue<DateOnly>(i) : reader.GetValue(i))]);
                }
            }

            var read = await AnalystQueryTranslations.RunAsync(month.ConnectionString, query, arguments, CancellationToken.None);

            // The command adds the empty hours and weekdays; the month has plays in every one.
            Assert.Equal(Rows(read), Rows(rows));
        }

        static IEnumerable<string> Rows(IEnumerable<object?[]> rows)
            => rows.Select(r => string.Join('|', r.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))).Order(StringComparer.Ordinal);
    }

    [Fact]
    public void Every_field_type_is_one_the_output_writes()
    {
        Type[] written = [typeof(string), typeof(int), typeof(long), typeof(decimal), typeof(DateTime), typeof(DateOnly)];
        foreach (var query in AnalystQueryCatalog.All)
        {
            Assert.Equal(query.Fields.Count, query.FieldTypes.Count);
            Assert.All(query.FieldTypes, type => Assert.Contains(type, written));
        }
    }

    private static IEnumerable<(bool From, bool To, bool Level)> FilterCombinations()
        => from f in new[] { false, true } from t in new[] { false, true } from l in new[] { false, true } select (f, t, l);

    /// <summary>The stored file as it should be: every query's SQL and parameters as EF Core sends them, recorded.</summary>
    private async Task<string> GenerateAsync()
    {
        var text = new StringBuilder()
            .Append("// <auto-generated>\n")
            .Append("// The analyst queries' SQL as EF Core translates the library's helpers on PostgreSQL, recorded by\n")
            .Append("// AnalystQueryTranslationsTests; rewrite it with\n")
            .Append($"// {UpdateVariable}=1 dotnet test Sparkify.Warehouse.Tests --filter FullyQualifiedName~AnalystQueryTranslationsTests\n")
            .Append("// </auto-generated>\n")
            .Append("using NpgsqlTypes;\n\n")
            .Append("namespace Sparkify.Warehouse.Cli.Queries;\n\n")
            .Append("internal static partial class AnalystQueryTranslations\n{\n")
            .Append("    private static readonly Dictionary<string, AnalystQueryTranslation> Translations = new(StringComparer.Ordinal)\n    {\n");
        foreach (var query in AnalystQueryCatalog.All)
        {
            foreach (var (from, to, level) in FilterCombinations())
            {
                var (sql, parameters) = await RecordAsync(query, from, to, level);
                text.Append($"        [\"{AnalystQueryTranslations.Key(query.Name, from, to, level)}\"] = new(\n")
                    .Append("            \"\"\"\n");
                foreach (var line in sql.ReplaceLineEndings("\n").Split('\n'))
                {
                    text.Append(line.Length == 0 ? "" : "            " + line).Append('\n');
                }

                text.Append("            \"\"\",\n")
                    .Append("            [")
                    .AppendJoin(", ", parameters.Select(p => $"new(\"{p.Name}\", NpgsqlDbType.{p.Type}, QueryArgument.{p.Argument})"))
                    .Append("]),\n");
            }
        }

        return text.Append("    };\n}\n").ToString();
    }

    /// <summary>Runs the query through the catalog's helper on the month and records the one command EF Core sends.</summary>
    private async Task<(string Sql, IReadOnlyList<TranslatedParameter> Parameters)> RecordAsync(AnalystQuery query, bool from, bool to, bool level)
    {
        var arguments = new QueryArguments(
            from ? RecordedFrom : null,
            to ? RecordedTo : null,
            level ? RecordedLevel : null,
            RecordedLimit,
            query.NeedsUserId ? RecordedUserId : null);
        var recorder = new CommandRecorder();
        await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(month.ConnectionString).AddInterceptors(recorder).Options))
        {
            await query.Run(AnalystQueryCatalog.Filter(context.SongPlays, arguments), arguments, CancellationToken.None);
        }

        var command = Assert.Single(recorder.Commands);
        var sql = command.CommandText;
        var limit = $"LIMIT {RecordedLimit}";
        Assert.Equal(query.UsesLimit ? 1 : 0, Occurrences(sql, RecordedLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        sql = sql.Replace(limit, "LIMIT " + AnalystQueryTranslations.LimitMarker, StringComparison.Ordinal);
        Assert.DoesNotContain(AnalystQueryTranslations.LimitMarker, command.CommandText, StringComparison.Ordinal);

        var parameters = command.Parameters.Select(p => new TranslatedParameter(p.Name, p.Type, ArgumentOf(p.Value))).ToList();
        return (sql, parameters);
    }

    private static QueryArgument ArgumentOf(object? value) => value switch
    {
        DateTime time when time == DateTime.SpecifyKind(RecordedFrom, DateTimeKind.Unspecified) => QueryArgument.From,
        DateTime time when time == DateTime.SpecifyKind(RecordedTo, DateTimeKind.Unspecified) => QueryArgument.To,
        RecordedLevel => QueryArgument.Level,
        RecordedUserId => QueryArgument.UserId,
        _ => throw new InvalidOperationException($"A parameter carries {value}, which is none of the query's arguments."),
    };

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed record RecordedCommand(string CommandText, IReadOnlyList<(string Name, NpgsqlTypes.NpgsqlDbType Type, object? Value)> Parameters);

    /// <summary>Keeps each command's text and parameters as they are sent (the command object itself is reused).</summary>
    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public List<RecordedCommand> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(new(command.CommandText, [.. command.Parameters.Cast<NpgsqlParameter>().Select(p => (p.ParameterName, p.NpgsqlDbType, p.Value))]));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
