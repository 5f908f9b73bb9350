namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>Rows a transform inserted (or, for users and artists, inserted or updated) per star table.</summary>
internal sealed record TransformCounts(long SongPlays, long Users, long Songs, long Artists, long Time);

/// <summary>Adds up the rows a transform's statements report, per star table, while they run.</summary>
internal sealed class TransformTally
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string table, long rows)
    {
        if (rows > 0)
        {
            _counts[table] = _counts.GetValueOrDefault(table) + rows;
        }
    }

    public TransformCounts ToCounts() => new(
        _counts.GetValueOrDefault("songplays"),
        _counts.GetValueOrDefault("users"),
        _counts.GetValueOrDefault("songs"),
        _counts.GetValueOrDefault("artists"),
        _counts.GetValueOrDefault("time"));
}
