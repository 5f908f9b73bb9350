namespace Sparkify.Warehouse.Entities;

/// <summary>
/// The dimension <c>users</c>: one row per distinct non-empty, integer user id. Name, gender and level
/// come from the user's latest event across every load, so a free→paid upgrade shows as <c>paid</c>.
/// </summary>
public sealed class User
{
    /// <summary>The user id.</summary>
    public int UserId { get; set; }

    /// <summary>First name.</summary>
    public string? FirstName { get; set; }

    /// <summary>Last name.</summary>
    public string? LastName { get; set; }

    /// <summary>Gender (<c>M</c>/<c>F</c>).</summary>
    public string? Gender { get; set; }

    /// <summary>Current subscription level (<c>free</c>/<c>paid</c>).</summary>
    public string? Level { get; set; }

    /// <summary>
    /// Epoch milliseconds of the event this row was taken from. Kept so that a later load of older
    /// events never overwrites newer values.
    /// </summary>
    public long LastEventTs { get; set; }

    /// <summary><c>itemInSession</c> of the event this row was taken from (tie-breaker for equal times).</summary>
    public int LastItemInSession { get; set; }

    /// <summary>The user's plays.</summary>
    public ICollection<SongPlay> SongPlays { get; } = [];
}
