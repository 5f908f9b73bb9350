namespace Sparkify.Warehouse.Generation;

/// <summary>The app pages of the real logs, with the HTTP method and status each is logged with.</summary>
internal enum Page : byte
{
    NextSong,
    Home,
    Login,
    Logout,
    Settings,
    SaveSettings,
    Help,
    About,
    Upgrade,
    SubmitUpgrade,
    Downgrade,
    SubmitDowngrade,
    Error,
    Register,
    SubmitRegistration,
}

internal enum Auth : byte
{
    LoggedIn,
    LoggedOut,
    Guest,
}

internal enum Level : byte
{
    Free,
    Paid,
}

/// <summary>Which song a NextSong event names, for the dataset's counts.</summary>
internal enum SongKind : byte
{
    None,
    Catalog,
    Unknown,
    OtherVersion,
}

internal struct SessionEvent
{
    public long Ts;
    public Page Page;
    public Auth Auth;
    public Level Level;
    public SongKind SongKind;
    public PlayedSong Song;
}

/// <summary>
/// One session, planned whole when it starts (so its length and end are known) and then written event by
/// event, interleaved with the other sessions in timestamp order. Instances are pooled: only the sessions
/// running at the same moment exist at once, whatever the size of the dataset.
/// </summary>
internal sealed class ListeningSession
{
    private SessionEvent[] _events = new SessionEvent[32];

    /// <summary>The user's index in <see cref="ListenerBase"/>, or -1 for a visitor who never logs in.</summary>
    public int User { get; private set; }

    public int SessionId { get; private set; }

    /// <summary>Start order; breaks timestamp ties between sessions so the output is deterministic.</summary>
    public long Ordinal { get; private set; }

    public int Count { get; private set; }

    /// <summary>The next event to write.</summary>
    public int Next { get; set; }

    public ref SessionEvent this[int index] => ref _events[index];

    public void Reset(int user, int sessionId, long ordinal)
    {
        User = user;
        SessionId = sessionId;
        Ordinal = ordinal;
        Count = 0;
        Next = 0;
    }

    public void Add(in SessionEvent sessionEvent)
    {
        if (Count == _events.Length)
        {
            Array.Resize(ref _events, _events.Length * 2);
        }

        _events[Count++] = sessionEvent;
    }

    /// <summary>
    /// Squeezes the session's timeline proportionally so that its last event comes before
    /// <paramref name="limit"/>: only sessions starting in the last hours of the generated window need it,
    /// and it keeps every event inside the window without dropping any. Timestamps stay strictly
    /// increasing (one millisecond apart at least) unless the session starts in the window's very last
    /// milliseconds.
    /// </summary>
    public void FitBefore(long limit)
    {
        var start = _events[0].Ts;
        var span = _events[Count - 1].Ts - start;
        var room = limit - 1 - start;
        if (span <= room)
        {
            return;
        }

        var steps = Count - 1;
        var spread = room >= steps ? room - steps : room;
        for (var i = 1; i < Count; i++)
        {
            _events[i].Ts = start + (long)((Int128)(_events[i].Ts - start) * spread / span) + (room >= steps ? i : 0);
        }
    }
}
