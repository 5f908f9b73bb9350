namespace Sparkify.Warehouse.Entities;

/// <summary>The dimension <c>time</c>: one row per distinct <see cref="SongPlay.StartTime"/>, broken into parts.</summary>
public sealed class TimeDimension
{
    /// <summary>The timestamp, UTC.</summary>
    public DateTime StartTime { get; set; }

    /// <summary>Hour of day, 0–23.</summary>
    public int Hour { get; set; }

    /// <summary>Day of month, 1–31.</summary>
    public int Day { get; set; }

    /// <summary>ISO week number (<c>EXTRACT(week)</c>).</summary>
    public int Week { get; set; }

    /// <summary>Month, 1–12.</summary>
    public int Month { get; set; }

    /// <summary>Year.</summary>
    public int Year { get; set; }

    /// <summary>Day of week, 0 = Sunday (<c>EXTRACT(dow)</c>).</summary>
    public int Weekday { get; set; }
}
