using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Sparkify.Warehouse.Cli.Queries;

/// <summary>Which argument of <see cref="QueryArguments"/> a translated query's parameter carries.</summary>
internal enum QueryArgument
{
    From,
    To,
    Level,
    UserId,
}

/// <summary>A parameter of a translated query: its name in the SQL, its database type, and the argument it carries.</summary>
internal sealed record TranslatedParameter(string Name, NpgsqlDbType Type, QueryArgument Argument);

/// <summary>
/// What EF Core sends for one analyst query and one combination of filters: the SQL (with
/// <see cref="AnalystQueryTranslations.LimitMarker"/> where the row limit is written) and its parameters.
/// </summary>
internal sealed record AnalystQueryTranslation(string Sql, IReadOnlyList<TranslatedParameter> Parameters)
{
    /// <summary>The SQL with <paramref name="limit"/> written where the row limit goes.</summary>
    public string SqlWithLimit(int limit) => Sql.Replace(AnalystQueryTranslations.LimitMarker, limit.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

/// <summary>
/// The analyst queries on PostgreSQL as EF Core translates the library's helpers, stored with the tool so that
/// <c>sparkify query</c> sends their SQL without building an EF Core context and translating LINQ first: those two
/// steps were most of what a short query cost beyond its SQL. One translation per query and combination of
/// <c>--from</c>, <c>--to</c> and <c>--level</c>; <c>AnalystQueryTranslationsTests</c> fails when a helper's
/// translation changes and rewrites them with <c>SPARKIFY_UPDATE_QUERIES=1</c>, as the compiled model is regenerated.
/// Redshift's queries are translated at run time, as its model is built at run time.
/// </summary>
internal static partial class AnalystQueryTranslations
{
    /// <summary>Stands for the row limit of the <c>top-*</c> queries, which the helpers write into the SQL as a literal.</summary>
    public const string LimitMarker = "{limit}";

    /// <summary>The translation of <paramref name="query"/> with the filters <paramref name="arguments"/> sets.</summary>
    public static AnalystQueryTranslation Find(AnalystQuery query, QueryArguments arguments)
        => Translations[Key(query.Name, arguments.From is not null, arguments.To is not null, arguments.Level is not null)];

    /// <summary>The key of a translation: the query's name and the filters present, e.g. <c>top-songs from level</c>.</summary>
    public static string Key(string queryName, bool from, bool to, bool level)
        => string.Join(' ', new[] { queryName, from ? "from" : null, to ? "to" : null, level ? "level" : null }.OfType<string>());

    /// <summary>
    /// Runs <paramref name="query"/> on the PostgreSQL warehouse <paramref name="connectionString"/> names, by its stored
    /// translation, and returns its rows as <see cref="AnalystQuery.Run"/> does.
    /// </summary>
    public static async Task<IReadOnlyList<object?[]>> RunAsync(string connectionString, AnalystQuery query, QueryArguments arguments, CancellationToken cancellationToken)
    {
        var translation = Find(query, arguments);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(translation.SqlWithLimit(arguments.Limit), connection);
        foreach (var parameter in translation.Parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(parameter.Name, parameter.Type) { Value = ValueOf(parameter.Argument, arguments) });
        }

        var rows = new List<object?[]>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new object?[query.FieldTypes.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : Read(reader, i, query.FieldTypes[i]);
                }

                rows.Add(row);
            }
        }

        return query.Buckets is { } buckets ? FillBuckets(rows, buckets) : rows;
    }

    private static object ValueOf(QueryArgument argument, QueryArguments arguments) => argument switch
    {
        // The filters compare with start_time, a timestamp without time zone holding UTC; the arguments are UTC.
        QueryArgument.From => DateTime.SpecifyKind(arguments.From!.Value, DateTimeKind.Unspecified),
        QueryArgument.To => DateTime.SpecifyKind(arguments.To!.Value, DateTimeKind.Unspecified),
        QueryArgument.Level => arguments.Level!,
        QueryArgument.UserId => arguments.UserId!.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(argument), argument, "Unknown query argument."),
    };

    private static object Read(NpgsqlDataReader reader, int ordinal, Type type)
    {
        if (type == typeof(string))
        {
            return reader.GetString(ordinal);
        }

        if (type == typeof(long))
        {
            return reader.GetInt64(ordinal);
        }

        if (type == typeof(int))
        {
            return reader.GetInt32(ordinal);
        }

        if (type == typeof(decimal))
        {
            return reader.GetDecimal(ordinal);
        }

        if (type == typeof(DateTime))
        {
            return reader.GetDateTime(ordinal);
        }

        return type == typeof(DateOnly)
            ? reader.GetFieldValue<DateOnly>(ordinal)
            : throw new NotSupportedException($"A query field of type {type.Name} is not read by the stored translations.");
    }

    private static List<object?[]> FillBuckets(List<object?[]> rows, int buckets)
    {
        var counts = rows.ToDictionary(r => (int)r[0]!, r => r[1]);
        return [.. Enumerable.Range(0, buckets).Select(b => new object?[] { b, counts.GetValueOrDefault(b) ?? 0L })];
    }
}
