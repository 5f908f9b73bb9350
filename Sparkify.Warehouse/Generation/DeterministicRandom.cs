namespace Sparkify.Warehouse.Generation;

/// <summary>
/// A SplitMix64 generator. <see cref="Random"/> is not used because .NET does not promise that a seeded
/// <see cref="Random"/> yields the same sequence in every version; the generator promises the same bytes
/// for the same seed, so its randomness must be fixed forever. Only integer arithmetic and the basic
/// IEEE operations (never Math.Log/Exp/Pow, whose last bit may differ between platforms) feed the output.
/// </summary>
internal struct DeterministicRandom
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    private ulong _state;

    public DeterministicRandom(ulong state) => _state = state;

    /// <summary>
    /// An independent stream for one entity (a song, an artist, a user) of one kind, so any entity's
    /// attributes can be recomputed on demand instead of being kept in memory.
    /// </summary>
    public static DeterministicRandom For(long seed, ulong domain, long index) =>
        new(Mix(Mix((ulong)seed ^ domain) ^ ((ulong)index * Gamma)));

    /// <summary>The SplitMix64 finalizer: a bijective, well-spread mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>A number in [0, <paramref name="maxExclusive"/>); the multiply-shift bias is far below anything visible.</summary>
    public int Next(int maxExclusive)
    {
        System.Diagnostics.Debug.Assert(maxExclusive > 0, "maxExclusive must be positive");
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }

    /// <summary>A number in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

    /// <summary>A number in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    /// <summary>
    /// An index in [0, <paramref name="count"/>) where small indexes are much likelier (density ∝ 1/√i):
    /// a few songs and users dominate, as in real listening data, without a lookup table.
    /// </summary>
    public int Skewed(int count)
    {
        var u = NextDouble();
        return Math.Min(count - 1, (int)(u * u * count));
    }
}
