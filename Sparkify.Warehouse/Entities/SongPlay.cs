namespace Sparkify.Warehouse.Entities;

/// <summary>
/// The fact table <c>songplays</c>: one row per <c>NextSong</c> event of a logged-in user. A play is
/// identified by (<see cref="UserId"/>, <see cref="SessionId"/>, <see cref="ItemInSession"/>), so the
/// same event loaded twice is one songplay.
/// </summary>
public sealed class SongPlay
{
    /// <summary>Surrogate key assigned by the database (an identity column).</summary>
    public long SongPlayId { get; set; }

    /// <summary>When the play started, UTC (a <c>timestamp</c> without time zone).</summary>
    public DateTime StartTime { get; set; }

    /// <summary>The user who played the song.</summary>
    public int UserId { get; set; }

    /// <summary>The user's subscription level at play time (<c>free</c>/<c>paid</c>).</summary>
    public string? Level { get; set; }

    /// <summary>The matched song, or null when no staged song matched title, artist and duration.</summary>
    public string? SongId { get; set; }

    /// <summary>The matched song's artist, or null when the play is unmatched.</summary>
    public string? ArtistId { get; set; }

    /// <summary>The app session the play belongs to.</summary>
    public int SessionId { get; set; }

    /// <summary>Position of the play within its session; part of the play's natural key.</summary>
    public int ItemInSession { get; set; }

    /// <summary>User's location at play time.</summary>
    public string? Location { get; set; }

    /// <summary>Browser user agent at play time.</summary>
    public string? UserAgent { get; set; }

    /// <summary>The event's song title: with <see cref="ArtistName"/> and <see cref="SongLength"/> what the play is matched to a song on.</summary>
    public string? SongTitle { get; set; }

    /// <summary>The event's artist name (part of the play's match key).</summary>
    public string? ArtistName { get; set; }

    /// <summary>The event's song length in seconds (part of the play's match key).</summary>
    public double? SongLength { get; set; }

    /// <summary>The user dimension row.</summary>
    public User? User { get; set; }

    /// <summary>The matched song, if any.</summary>
    public Song? Song { get; set; }

    /// <summary>The matched song's artist, if any.</summary>
    public Artist? Artist { get; set; }

    /// <summary>The time dimension row for <see cref="StartTime"/>.</summary>
    public TimeDimension? Time { get; set; }
}
