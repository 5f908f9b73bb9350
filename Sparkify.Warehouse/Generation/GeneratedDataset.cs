namespace Sparkify.Warehouse.Generation;

/// <summary>Where a generated dataset is and what it holds.</summary>
public sealed record GeneratedDataset
{
    /// <summary>The dataset's folder (absolute).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The song files' folder, <c>song_data/</c>: pass it as a load's songs source.</summary>
    public required string SongDataDirectory { get; init; }

    /// <summary>The event logs' folder, <c>log_data/</c>: pass it as a load's events source.</summary>
    public required string LogDataDirectory { get; init; }

    /// <summary>The JSONPaths file, <c>log_json_path.json</c>, the same mapping as Sparkify's own.</summary>
    public required string JsonPathsFile { get; init; }

    /// <summary>How many song files were written (one song each).</summary>
    public int SongFiles { get; init; }

    /// <summary>How many distinct artists the song files name.</summary>
    public int Artists { get; init; }

    /// <summary>How many log files were written (one per day, empty on a day without events).</summary>
    public int LogFiles { get; init; }

    /// <summary>How many events (log lines) were written.</summary>
    public long Events { get; init; }

    /// <summary>How many events are song plays (<c>page</c> NextSong, always by a logged-in user).</summary>
    public long SongPlays { get; init; }

    /// <summary>
    /// How many song plays name a song of the song files exactly (title, artist name and duration): the
    /// number of songplays a load of this dataset matches to a <c>song_id</c>.
    /// </summary>
    public long MatchedSongPlays { get; init; }

    /// <summary>How many distinct users (non-empty <c>userId</c>s) the events name.</summary>
    public int Users { get; init; }

    /// <summary>The total size of every file written, in bytes.</summary>
    public long Bytes { get; init; }
}
