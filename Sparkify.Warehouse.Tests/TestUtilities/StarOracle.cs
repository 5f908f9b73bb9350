using System.Globalization;
using System.Text.RegularExpressions;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// The star-schema derivation in plain C#, independent of the SQL under test: what the star tables must
/// hold after loading everything given, by the rules in the README's "Star schema" section (one play per
/// user, session and item; a user as of their latest event; ties broken in code-point order, NULL last).
/// </summary>
internal static class Oracle
{
    private const long TsFloor = -9223372036854775807;
    private const int ItemFloor = -2147483647;

    /// <summary>The documented meaning of "an integer user id": optional '-', 1–10 ASCII digits, INTEGER range.</summary>
    public static bool TryParseUserId(string? raw, out int id)
    {
        id = 0;
        if (raw is null || !Regex.IsMatch(raw, @"\A-?[0-9]{1,10}\z"))
        {
            return false;
        }

        var value = long.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (value is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        id = (int)value;
        return true;
    }

    public static int ParseUserId(string raw) => TryParseUserId(raw, out var id) ? id : throw new ArgumentException(raw);

    public static Star Derive(IEnumerable<EventRecord> allEvents, IEnumerable<SongRecord> allSongs)
    {
        var events = allEvents.ToList();
        var songs = allSongs.Where(s => s.SongId is not null).ToList();

        // songs: one row per song id, the first in (artist id, title, year, duration, artist name) order.
        var songTable = songs
            .GroupBy(s => s.SongId!, StringComparer.Ordinal)
            .Select(g => g.OrderBy(s => s.ArtistId, NullsLast).ThenBy(s => s.Title, NullsLast).ThenBy(s => s.Year, NullsLastValue<int>())
                .ThenBy(s => s.Duration, NullsLastValue<double>()).ThenBy(s => s.ArtistName, NullsLast).First())
            .ToList();

        var plays = events
            .Where(e => e.Page == "NextSong" && e.Ts is not null && e.SessionId is not null && e.ItemInSession is not null && TryParseUserId(e.UserId, out _))
            .GroupBy(e => (User: ParseUserId(e.UserId!), Session: e.SessionId!.Value, Item: e.ItemInSession!.Value))
            .Select(g =>
            {
                var e = g.OrderByDescending(x => x.Ts)
                    .ThenBy(x => x.Level, NullsLast).ThenBy(x => x.Song, NullsLast).ThenBy(x => x.Artist, NullsLast)
                    .ThenBy(x => x.Length, NullsLastValue<double>()).ThenBy(x => x.Location, NullsLast).ThenBy(x => x.UserAgent, NullsLast)
                    .First();
                // Matched against the songs table: each song id's kept row, with its artist name.
                var song = songTable
                    .Where(s => e.Song is not null && e.Artist is not null && e.Length is not null
                        && s.Title == e.Song && s.ArtistName == e.Artist && s.Duration == e.Length)
                    .OrderBy(s => s.SongId, NullsLast)
                    .FirstOrDefault();
                return new SongPlayRow(
                    DateTimeOffset.FromUnixTimeMilliseconds(e.Ts!.Value).UtcDateTime, g.Key.User, e.Level, song?.SongId, song?.ArtistId,
                    g.Key.Session, e.Location, e.UserAgent, g.Key.Item);
            })
            .ToList();

        var users = events
            .Where(e => TryParseUserId(e.UserId, out _))
            .GroupBy(e => ParseUserId(e.UserId!))
            .Select(g =>
            {
                var e = g.OrderByDescending(x => x.Ts ?? TsFloor).ThenByDescending(x => x.ItemInSession ?? ItemFloor)
                    .ThenBy(x => x.Level, NullsLast).ThenBy(x => x.FirstName, NullsLast)
                    .ThenBy(x => x.LastName, NullsLast).ThenBy(x => x.Gender, NullsLast)
                    .First();
                return new UserRow(g.Key, e.FirstName, e.LastName, e.Gender, e.Level, e.Ts ?? TsFloor, e.ItemInSession ?? ItemFloor);
            });

        var songRows = songTable.Select(s => new SongRow(s.SongId!, s.Title, s.ArtistId, s.Year, s.Duration));

        var artists = songs
            .Where(s => s.ArtistId is not null)
            .GroupBy(s => s.ArtistId!, StringComparer.Ordinal)
            .Select(g => g.OrderBy(s => s.SongId, NullsLast).ThenBy(s => s.ArtistName, NullsLast).ThenBy(s => s.ArtistLocation, NullsLast)
                .ThenBy(s => s.ArtistLatitude, NullsLastValue<double>()).ThenBy(s => s.ArtistLongitude, NullsLastValue<double>()).First())
            .Select(s => new ArtistRow(s.ArtistId!, s.ArtistName, s.ArtistLocation, s.ArtistLatitude, s.ArtistLongitude, s.SongId!));

        var time = plays.Select(p => p.StartTime).Distinct()
            .Select(t => new TimeRow(t, t.Hour, t.Day, ISOWeek.GetWeekOfYear(t), t.Month, t.Year, (int)t.DayOfWeek));

        return new Star(StarTables.Order(plays), StarTables.Order(users), StarTables.Order(songRows), StarTables.Order(artists), StarTables.Order(time));
    }

    /// <summary>Code-point order with NULL last, as SQL sorts ascending.</summary>
    private static readonly Comparer<string?> NullsLast = Comparer<string?>.Create(
        (a, b) => a is null ? (b is null ? 0 : 1) : b is null ? -1 : string.CompareOrdinal(a, b));

    private static Comparer<T?> NullsLastValue<T>()
        where T : struct, IComparable<T>
        => Comparer<T?>.Create((a, b) => a is null ? (b is null ? 0 : 1) : b is null ? -1 : a.Value.CompareTo(b.Value));
}
