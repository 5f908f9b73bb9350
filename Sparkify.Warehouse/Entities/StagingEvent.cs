namespace Sparkify.Warehouse.Entities;

/// <summary>
/// One app event as staged from the log data (table <c>staging_events</c>), column for column as
/// Redshift <c>COPY ... FORMAT AS JSON '&lt;jsonpaths&gt;'</c> would load it. Staging holds exactly the
/// current load.
/// </summary>
public sealed class StagingEvent
{
    /// <summary>Artist name as the app reported it; null on pages other than <c>NextSong</c>.</summary>
    public string? Artist { get; set; }

    /// <summary>Authentication state (<c>Logged In</c>, <c>Logged Out</c>, <c>Guest</c>, <c>Cancelled</c>).</summary>
    public string? Auth { get; set; }

    /// <summary>User's first name.</summary>
    public string? FirstName { get; set; }

    /// <summary>User's gender (<c>M</c>/<c>F</c>).</summary>
    public string? Gender { get; set; }

    /// <summary>Position of the event within its session.</summary>
    public int? ItemInSession { get; set; }

    /// <summary>User's last name.</summary>
    public string? LastName { get; set; }

    /// <summary>Length of the played song in seconds; null on pages other than <c>NextSong</c>.</summary>
    public double? Length { get; set; }

    /// <summary>Subscription level at the time of the event (<c>free</c>/<c>paid</c>).</summary>
    public string? Level { get; set; }

    /// <summary>User's location, e.g. <c>San Francisco-Oakland-Hayward, CA</c>.</summary>
    public string? Location { get; set; }

    /// <summary>HTTP method of the app request.</summary>
    public string? Method { get; set; }

    /// <summary>App page, e.g. <c>NextSong</c>, <c>Home</c>, <c>Login</c>.</summary>
    public string? Page { get; set; }

    /// <summary>Registration time, epoch milliseconds (the data carries it as a floating-point number).</summary>
    public double? Registration { get; set; }

    /// <summary>Session identifier.</summary>
    public int? SessionId { get; set; }

    /// <summary>Song title as the app reported it; null on pages other than <c>NextSong</c>.</summary>
    public string? Song { get; set; }

    /// <summary>HTTP status of the app request.</summary>
    public int? Status { get; set; }

    /// <summary>Event time, epoch milliseconds, UTC.</summary>
    public long? Ts { get; set; }

    /// <summary>Browser user agent.</summary>
    public string? UserAgent { get; set; }

    /// <summary>The raw user id string; empty for logged-out visitors.</summary>
    public string? UserId { get; set; }
}
