namespace Sparkify.Warehouse.Generation;

/// <summary>
/// The app's registered users: a fixed profile each (name, gender, place, browser, registration time)
/// plus the state the simulation changes (level, busy-until, seen). About 40 bytes per user; the only
/// part of the generator that grows with the dataset (users ≈ events / 80, at most one million).
/// </summary>
internal sealed class ListenerBase
{
    /// <summary>First names, male then female: the index also says the gender.</summary>
    public static readonly string[] FirstNames = [.. SyntheticVocabulary.MaleFirstNames, .. SyntheticVocabulary.FemaleFirstNames];

    private const ulong UserDomain = 0x5553_4552_0000_0005;

    private readonly short[] _firstName;
    private readonly short[] _lastName;
    private readonly short[] _location;
    private readonly short[] _agent;
    private readonly long[] _registration;
    private readonly Level[] _level;
    private readonly long[] _busyUntil;
    private readonly bool[] _seen;
    private readonly int _idStride;
    private readonly int _idOffset;

    public ListenerBase(long seed, int count, long windowStart)
    {
        Count = count;
        _firstName = new short[count];
        _lastName = new short[count];
        _location = new short[count];
        _agent = new short[count];
        _registration = new long[count];
        _level = new Level[count];
        _busyUntil = new long[count];
        _seen = new bool[count];
        var ids = DeterministicRandom.For(seed, UserDomain, -1);
        _idStride = (int)(ids.NextUInt64() % (ulong)count) | 1;
        while (Gcd(_idStride, count) != 1)
        {
            _idStride += 2;
        }

        _idOffset = (int)(ids.NextUInt64() % (ulong)count);

        for (var i = 0; i < count; i++)
        {
            var rng = DeterministicRandom.For(seed, UserDomain, i);
            _firstName[i] = (short)rng.Next(FirstNames.Length);
            _lastName[i] = (short)rng.Next(SyntheticVocabulary.LastNames.Length);
            _location[i] = (short)rng.Next(SyntheticVocabulary.UserLocations.Length);
            _agent[i] = (short)rng.Next(SyntheticVocabulary.UserAgents.Length);

            // Registered between a year and an hour before the window opens, to the millisecond.
            _registration[i] = windowStart - rng.Next(3_600, 365 * 86_400) * 1000L - rng.Next(1000);

            // Users are ordered by how much they listen (index 0 most); the keenest listeners pay more often.
            _level[i] = rng.Chance(i < count / 5 ? 0.55 : 0.2) ? Level.Paid : Level.Free;
            _busyUntil[i] = long.MinValue;
        }
    }

    public int Count { get; }

    public int SeenCount { get; private set; }

    /// <summary>The user's <c>userId</c>: 1..Count, shuffled so the busiest users do not get the smallest ids.</summary>
    public int UserId(int user) => (int)((((long)_idStride * user) + _idOffset) % Count) + 1;

    public int FirstName(int user) => _firstName[user];

    public bool IsFemale(int user) => _firstName[user] >= SyntheticVocabulary.MaleFirstNames.Length;

    public int LastName(int user) => _lastName[user];

    public int Location(int user) => _location[user];

    public int Agent(int user) => _agent[user];

    public long Registration(int user) => _registration[user];

    public ref Level LevelOf(int user) => ref _level[user];

    public bool IsBusy(int user, long at) => _busyUntil[user] >= at;

    /// <summary>Records that the user is in a session until <paramref name="until"/>, so no other session of theirs overlaps it.</summary>
    public void Occupy(int user, long until)
    {
        _busyUntil[user] = until;
        if (!_seen[user])
        {
            _seen[user] = true;
            SeenCount++;
        }
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
