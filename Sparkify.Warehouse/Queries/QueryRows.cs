namespace Sparkify.Warehouse.Queries;

// The rows are records with init-only properties rather than positional records: EF Core can keep
// composing over a member-initialised projection (an analyst's extra Where or OrderBy after
// TopSongs() still runs in the database), but not over a constructor call.

/// <summary>One row of <see cref="SongPlayQueries.TopSongs"/> (<c>sparkify query top-songs</c>).</summary>
public sealed record TopSongRow
{
    /// <summary>The song (<c>song_id</c>).</summary>
    public required string SongId { get; init; }

    /// <summary>The song's title (<c>title</c>); null if the song has no <c>songs</c> row.</summary>
    public string? Title { get; init; }

    /// <summary>The name of the song's artist (<c>artist_name</c>); null if unknown.</summary>
    public string? ArtistName { get; init; }

    /// <summary>Matched plays of the song (<c>plays</c>).</summary>
    public required long Plays { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.TopArtists"/> (<c>sparkify query top-artists</c>).</summary>
public sealed record TopArtistRow
{
    /// <summary>The artist (<c>artist_id</c>).</summary>
    public required string ArtistId { get; init; }

    /// <summary>The artist's name (<c>name</c>); null if the artist has no <c>artists</c> row.</summary>
    public string? Name { get; init; }

    /// <summary>Matched plays of the artist's songs (<c>plays</c>).</summary>
    public required long Plays { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.TopLocations"/> (<c>sparkify query top-locations</c>).</summary>
public sealed record TopLocationRow
{
    /// <summary>The user's location at play time (<c>location</c>); null for plays without one.</summary>
    public string? Location { get; init; }

    /// <summary>Plays from the location, matched or not (<c>plays</c>).</summary>
    public required long Plays { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.PlaysByHourAsync"/> (<c>sparkify query plays-by-hour</c>).</summary>
public sealed record PlaysByHourRow
{
    /// <summary>Hour of the day, 0–23, UTC (<c>hour</c>).</summary>
    public required int Hour { get; init; }

    /// <summary>Plays that started in that hour (<c>plays</c>).</summary>
    public required long Plays { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.PlaysByWeekdayAsync"/> (<c>sparkify query plays-by-weekday</c>).</summary>
public sealed record PlaysByWeekdayRow
{
    /// <summary>Day of the week, 0 = Sunday … 6 = Saturday, UTC (<c>weekday</c>, as <c>EXTRACT(dow)</c>).</summary>
    public required int Weekday { get; init; }

    /// <summary>Plays that started on that weekday (<c>plays</c>).</summary>
    public required long Plays { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.LevelComparison"/> (<c>sparkify query level-comparison</c>).</summary>
public sealed record LevelComparisonRow
{
    /// <summary>The subscription level at play time (<c>level</c>): <c>free</c> or <c>paid</c>.</summary>
    public string? Level { get; init; }

    /// <summary>Distinct users with at least one play at this level (<c>users</c>).</summary>
    public required long Users { get; init; }

    /// <summary>Plays at this level (<c>plays</c>).</summary>
    public required long Plays { get; init; }

    /// <summary>
    /// <see cref="Plays"/> / <see cref="Users"/>, rounded by the database to 2 decimals, half away from
    /// zero (<c>plays_per_user</c>).
    /// </summary>
    public required decimal PlaysPerUser { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.DailyActiveUsers"/> (<c>sparkify query daily-active-users</c>).</summary>
public sealed record DailyActiveUsersRow
{
    /// <summary>The UTC date (<c>date</c>).</summary>
    public required DateOnly Date { get; init; }

    /// <summary>Distinct users with at least one play that day (<c>users</c>).</summary>
    public required long Users { get; init; }
}

/// <summary>One row of <see cref="SongPlayQueries.UserHistory"/> (<c>sparkify query user-history</c>).</summary>
public sealed record UserHistoryRow
{
    /// <summary>When the play started, UTC (<c>start_time</c>).</summary>
    public required DateTime StartTime { get; init; }

    /// <summary>The app session (<c>session_id</c>).</summary>
    public required int SessionId { get; init; }

    /// <summary>The matched song (<c>song_id</c>); null for an unmatched play.</summary>
    public string? SongId { get; init; }

    /// <summary>The matched song's title (<c>title</c>); null for an unmatched play.</summary>
    public string? Title { get; init; }

    /// <summary>The matched song's artist (<c>artist_name</c>); null for an unmatched play.</summary>
    public string? ArtistName { get; init; }

    /// <summary>The user's level at play time (<c>level</c>).</summary>
    public string? Level { get; init; }
}

/// <summary>The headline numbers of a set of plays (<see cref="SongPlayQueries.SummaryAsync"/>).</summary>
public sealed record PlaySummaryRow
{
    /// <summary>Plays, matched or not.</summary>
    public required long Plays { get; init; }

    /// <summary>Distinct users with at least one play.</summary>
    public required long Listeners { get; init; }

    /// <summary>Plays matched to a song (<c>song_id</c> not null).</summary>
    public required long MatchedPlays { get; init; }

    /// <summary>Distinct songs played (matched plays only).</summary>
    public required long Songs { get; init; }

    /// <summary>Distinct artists played (matched plays only).</summary>
    public required long Artists { get; init; }

    /// <summary>The earliest <c>start_time</c>, UTC; null when there are no plays.</summary>
    public DateTime? FirstPlay { get; init; }

    /// <summary>The latest <c>start_time</c>, UTC; null when there are no plays.</summary>
    public DateTime? LastPlay { get; init; }
}
