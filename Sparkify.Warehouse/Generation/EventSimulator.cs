namespace Sparkify.Warehouse.Generation;

/// <summary>
/// Simulates a month of app traffic and hands out its events one at a time in timestamp order.
/// Sessions are planned in start order — each day's share of the events spread over the day by an
/// hourly activity curve — and interleaved through a priority queue, so only the sessions running at
/// the same moment are in memory, never the month.
/// </summary>
internal sealed class EventSimulator
{
    /// <summary>Share of plays naming a song of the catalog (title, artist and duration all equal); see <see cref="SparkifyDataGenerator"/>.</summary>
    internal const double CatalogPlayShare = 0.85;

    /// <summary>Share of plays naming another recording of a catalog song (same title and artist, other length).</summary>
    internal const double OtherVersionPlayShare = 0.03;

    internal const long DayMs = 86_400_000;

    private const long HourMs = 3_600_000;
    private const ulong SimulationDomain = 0x5349_4D55_0000_0006;

    /// <summary>
    /// Relative activity per UTC hour (plays peak in the afternoon), rounded from the shape of the real
    /// November 2018 logs; only the shape is used.
    /// </summary>
    private static readonly int[] HourWeights = [22, 21, 16, 15, 18, 22, 25, 25, 28, 37, 43, 46, 43, 45, 59, 66, 75, 68, 68, 51, 50, 39, 30, 28];

    private static readonly int[] HourStarts = BuildHourStarts();

    private readonly SongCatalog _catalog;
    private readonly ListenerBase _listeners;
    private readonly long _windowStart;
    private readonly long _windowEnd;
    private readonly long[] _dayQuota;
    private readonly PriorityQueue<ListeningSession, (long Ts, long Ordinal)> _running = new();
    private readonly Stack<ListeningSession> _pool = new();
    private DeterministicRandom _rng;
    private int _day;
    private long _plannedInDay;
    private long _ordinal;
    private int _nextSessionId;
    private ListeningSession? _pending;
    private ListeningSession? _finished;

    public EventSimulator(long seed, int events, int days, long windowStart, SongCatalog catalog)
    {
        _catalog = catalog;
        _windowStart = windowStart;
        _windowEnd = windowStart + (days * DayMs);
        _rng = DeterministicRandom.For(seed, SimulationDomain, 0);
        _dayQuota = SplitOverDays(events, days, DateTimeOffset.FromUnixTimeMilliseconds(windowStart).DayOfWeek, ref _rng);
        _listeners = new ListenerBase(seed, Math.Clamp(events / 80, 10, 1_000_000), windowStart);
        _nextSessionId = 1 + _rng.Next(1, 500);
    }

    public ListenerBase Listeners => _listeners;

    /// <summary>Moves to the next event in timestamp order; false when the month is written.</summary>
    public bool MoveNext(out ListeningSession session, out int index)
    {
        if (_finished is not null)
        {
            _pool.Push(_finished);
            _finished = null;
        }

        // Start every session that begins before the earliest pending event of the running ones.
        while (true)
        {
            _pending ??= PlanNext();
            if (_pending is null || (_running.TryPeek(out _, out var first) && _pending[0].Ts > first.Ts))
            {
                break;
            }

            _running.Enqueue(_pending, (_pending[0].Ts, _pending.Ordinal));
            _pending = null;
        }

        if (!_running.TryDequeue(out var current, out _))
        {
            session = null!;
            index = -1;
            return false;
        }

        index = current.Next++;
        if (current.Next < current.Count)
        {
            _running.Enqueue(current, (current[current.Next].Ts, current.Ordinal));
        }
        else
        {
            // Handed back to the pool on the next call, once the caller has written this last event.
            _finished = current;
        }

        session = current;
        return true;
    }

    /// <summary>Each day's number of events: weekdays busier than weekends, a little noise, summing exactly to the total.</summary>
    private static long[] SplitOverDays(int events, int days, DayOfWeek firstDay, ref DeterministicRandom rng)
    {
        var weights = new long[days];
        for (var d = 0; d < days; d++)
        {
            weights[d] = rng.Next(90, 111);
        }

        // Streaming dips a little at weekends.
        for (var d = 0; d < days; d++)
        {
            if ((DayOfWeek)(((int)firstDay + d) % 7) is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                weights[d] = weights[d] * 85 / 100;
            }
        }

        var total = weights.Sum();
        var quota = new long[days];
        var remainders = new (long Remainder, int Day)[days];
        long assigned = 0;
        for (var d = 0; d < days; d++)
        {
            quota[d] = events * weights[d] / total;
            remainders[d] = (events * weights[d] % total, d);
            assigned += quota[d];
        }

        Array.Sort(remainders, (a, b) => a.Remainder != b.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Day.CompareTo(b.Day));
        for (var i = 0; assigned < events; i++, assigned++)
        {
            quota[remainders[i].Day]++;
        }

        return quota;
    }

    private static int[] BuildHourStarts()
    {
        var starts = new int[25];
        for (var h = 0; h < 24; h++)
        {
            starts[h + 1] = starts[h] + HourWeights[h];
        }

        return starts;
    }

    /// <summary>The time of day (ms) below which a share <paramref name="fraction"/> of the day's activity falls.</summary>
    private static long TimeOfDay(double fraction)
    {
        var x = fraction * HourStarts[24];
        var hour = 0;
        while (hour < 23 && HourStarts[hour + 1] <= x)
        {
            hour++;
        }

        var within = (long)((x - HourStarts[hour]) / HourWeights[hour] * HourMs);
        return Math.Min((hour * HourMs) + within, DayMs - 1);
    }

    private ListeningSession? PlanNext()
    {
        while (_day < _dayQuota.Length && _plannedInDay >= _dayQuota[_day])
        {
            _day++;
            _plannedInDay = 0;
        }

        if (_day >= _dayQuota.Length)
        {
            return null;
        }

        var quota = _dayQuota[_day];
        var length = (int)Math.Min(DrawSessionLength(), quota - _plannedInDay);

        // The session's start sits where its events fall in the day's activity curve: start times
        // increase from session to session and the day's events spread over the day as the curve says.
        var start = _windowStart + (_day * DayMs) + TimeOfDay((_plannedInDay + (_rng.NextDouble() * length)) / quota);
        _plannedInDay += length;

        var session = _pool.Count > 0 ? _pool.Pop() : new ListeningSession();
        var kind = _rng.NextDouble();
        var user = kind < 0.06 ? -1 : FindIdleListener(start);
        session.Reset(user, _nextSessionId++, _ordinal++);
        if (user >= 0)
        {
            PlanListenerSession(session, user, start, length);
        }
        else if (kind < 0.02)
        {
            PlanGuestSession(session, start, length);
        }
        else
        {
            PlanVisitorSession(session, start, length);
        }

        session.FitBefore(_windowEnd);
        if (user >= 0)
        {
            _listeners.Occupy(user, session[session.Count - 1].Ts);
        }

        return session;
    }

    /// <summary>Events per session: many one- or two-page visits, a long tail of listening sessions (mean ≈ 15).</summary>
    private int DrawSessionLength()
    {
        var roll = _rng.NextDouble();
        return roll switch
        {
            < 0.30 => _rng.Next(1, 3),
            < 0.65 => _rng.Next(3, 11),
            < 0.95 => _rng.Next(11, 41),
            _ => _rng.Next(41, 151),
        };
    }

    /// <summary>A user (the keen ones more often) who is not in another session; -1 (a visitor) if none turns up.</summary>
    private int FindIdleListener(long start)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var user = _rng.Skewed(_listeners.Count);
            if (!_listeners.IsBusy(user, start))
            {
                return user;
            }
        }

        return -1;
    }

    private void PlanListenerSession(ListeningSession session, int user, long start, int length)
    {
        ref var level = ref _listeners.LevelOf(user);
        var timeline = new Timeline(session, start, length);
        if (length >= 2 && _rng.Chance(0.08))
        {
            // Signing in: the login request itself is logged before the user is known.
            timeline.Add(Page.Login, Auth.LoggedOut, level, NextGap(Page.Login));
        }

        var first = _rng.Chance(0.45) ? Page.Home : Page.NextSong;
        AddListenerPage(ref timeline, first, level);
        while (timeline.Remaining > 0)
        {
            if (timeline.Remaining == 2 && _rng.Chance(0.3))
            {
                timeline.Add(Page.Logout, Auth.LoggedIn, level, NextGap(Page.Logout));
                timeline.Add(Page.Home, Auth.LoggedOut, level, NextGap(Page.Home));
                break;
            }

            var page = NextListenerPage(level);
            AddListenerPage(ref timeline, page, level);
            if (page == Page.Upgrade && timeline.Remaining > 0 && _rng.Chance(0.2))
            {
                // The upgrade is logged at the old level; the user's events are paid from the next one on.
                timeline.Add(Page.SubmitUpgrade, Auth.LoggedIn, level, NextGap(Page.SubmitUpgrade), delay: _rng.Next(800, 1500));
                level = Level.Paid;
                if (timeline.Remaining > 0 && _rng.Chance(0.7))
                {
                    AddListenerPage(ref timeline, Page.Home, level);
                }
            }
            else if (page == Page.Downgrade && timeline.Remaining > 0 && _rng.Chance(0.05))
            {
                timeline.Add(Page.SubmitDowngrade, Auth.LoggedIn, level, NextGap(Page.SubmitDowngrade), delay: _rng.Next(800, 1500));
                level = Level.Free;
            }
            else if (page == Page.Settings && timeline.Remaining > 0 && _rng.Chance(0.25))
            {
                AddListenerPage(ref timeline, Page.SaveSettings, level);
            }
        }
    }

    private void AddListenerPage(ref Timeline timeline, Page page, Level level)
    {
        if (page != Page.NextSong)
        {
            timeline.Add(page, Auth.LoggedIn, level, NextGap(page));
            return;
        }

        var roll = _rng.NextDouble();
        SongKind kind;
        PlayedSong song;
        if (_catalog.Count > 0 && roll < CatalogPlayShare)
        {
            kind = SongKind.Catalog;
            song = _catalog.Play(_catalog.PickPopular(ref _rng));
        }
        else if (_catalog.Count > 0 && roll < CatalogPlayShare + OtherVersionPlayShare)
        {
            kind = SongKind.OtherVersion;
            song = _catalog.OtherVersion(_catalog.PickPopular(ref _rng), ref _rng);
        }
        else
        {
            kind = SongKind.Unknown;
            song = _catalog.Unknown(_catalog.PickUnknown(ref _rng));
        }

        // The next event comes when the song ends (logged to the second), or sooner when it is skipped.
        var gap = _rng.Chance(0.08) ? _rng.Next(5_000, 60_000) : Math.Max(0, (long)(song.Duration * 1000) - _rng.Next(1000));
        timeline.Add(Page.NextSong, Auth.LoggedIn, level, gap, kind: kind, song: song);
    }

    private Page NextListenerPage(Level level)
    {
        var roll = _rng.Next(1000);
        return roll switch
        {
            < 820 => Page.NextSong,
            < 900 => Page.Home,
            < 912 => Page.Settings,
            < 920 => Page.Help,
            < 925 => Page.About,
            < 928 => Page.Error,
            < 948 => level == Level.Free ? Page.Upgrade : Page.Downgrade,
            _ => Page.NextSong,
        };
    }

    /// <summary>Someone looking around without signing in: logged out, no user id.</summary>
    private void PlanVisitorSession(ListeningSession session, long start, int length)
    {
        // Logged-out events keep the level of the browser's last user.
        var level = _rng.Chance(0.6) ? Level.Paid : Level.Free;
        var timeline = new Timeline(session, start, length);
        while (timeline.Remaining > 0)
        {
            var roll = _rng.Next(100);
            var page = roll switch
            {
                < 60 => Page.Home,
                < 75 => Page.About,
                < 87 => Page.Help,
                _ => Page.Login,
            };
            timeline.Add(page, Auth.LoggedOut, level, NextGap(page));
        }
    }

    /// <summary>A guest: the sign-up pages, never a song.</summary>
    private void PlanGuestSession(ListeningSession session, long start, int length)
    {
        var timeline = new Timeline(session, start, length);
        while (timeline.Remaining > 0)
        {
            var roll = _rng.Next(100);
            var page = roll switch
            {
                < 45 => Page.Home,
                < 70 => Page.Register,
                < 85 => Page.About,
                < 97 => Page.Help,
                _ => Page.Error,
            };
            timeline.Add(page, Auth.Guest, Level.Free, NextGap(page));
            if (page == Page.Register && timeline.Remaining > 0 && _rng.Chance(0.5))
            {
                timeline.Add(Page.SubmitRegistration, Auth.Guest, Level.Free, NextGap(Page.SubmitRegistration), delay: _rng.Next(5_000, 90_000));
            }
        }
    }

    /// <summary>How long after a page view the next request comes: redirects follow fast, pages are read a while.</summary>
    private long NextGap(Page page) => page switch
    {
        Page.Login or Page.Logout or Page.SaveSettings or Page.SubmitUpgrade or Page.SubmitDowngrade or Page.SubmitRegistration => _rng.Next(1_000, 6_000),
        _ => _rng.Next(2_000, 120_000),
    };

    /// <summary>Appends a session's events at increasing times, never beyond its planned length.</summary>
    private struct Timeline(ListeningSession session, long start, int length)
    {
        private long _next = start;

        public readonly int Remaining => length - session.Count;

        /// <remarks>
        /// <c>gapAfter</c> is the time from this event to the next one; <c>delay</c>, when given, the time from
        /// the previous event to this one, instead of the previous event's gap.
        /// </remarks>
        public void Add(Page page, Auth auth, Level level, long gapAfter, long delay = -1, SongKind kind = SongKind.None, PlayedSong song = default)
        {
            if (Remaining <= 0)
            {
                return;
            }

            var ts = delay >= 0 && session.Count > 0 ? session[session.Count - 1].Ts + delay : _next;
            session.Add(new SessionEvent { Ts = ts, Page = page, Auth = auth, Level = level, SongKind = kind, Song = song });
            _next = ts + gapAfter;
        }
    }
}
