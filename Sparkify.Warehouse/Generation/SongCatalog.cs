using System.Globalization;

namespace Sparkify.Warehouse.Generation;

/// <summary>One song as its song file describes it.</summary>
internal readonly record struct CatalogSong(
    string TrackId, string SongId, string Title, double Duration, int Year, int ArtistIndex, int DirectoryIndex, bool PrettyPrinted);

/// <summary>One artist as the song files describe it; no coordinates where the real data has none either.</summary>
internal readonly record struct CatalogArtist(string ArtistId, string Name, string Location, double? Latitude, double? Longitude);

/// <summary>What a NextSong event says about the song played.</summary>
internal readonly record struct PlayedSong(string Title, string Artist, double Duration);

/// <summary>
/// The synthetic song catalog. Every song, artist and unknown song is a pure function of (seed, index),
/// so the event simulator can look any of them up again without the catalog ever being held in memory.
/// </summary>
internal sealed class SongCatalog
{
    /// <summary>Songs per leaf folder on average; the real song_data has a few dozen per A/B/C folder.</summary>
    internal const int SongsPerDirectory = 25;

    private const ulong SongDomain = 0x534F_4E47_0000_0001;
    private const ulong ArtistDomain = 0x4152_5449_0000_0002;
    private const ulong UnknownDomain = 0x554E_4B4E_0000_0003;
    private const ulong IdDomain = 0x4944_5300_0000_0004;

    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string LettersAndDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Hex = "0123456789ABCDEF";
    private const ulong Mask44 = (1UL << 44) - 1;

    private readonly long _seed;
    private readonly ulong _trackKey;
    private readonly ulong _songKey;
    private readonly ulong _artistKey;
    private readonly long _songStride;
    private readonly long _songOffset;
    private readonly long _artistStride;

    public SongCatalog(long seed, int songs)
    {
        _seed = seed;
        Count = songs;
        ArtistCount = Math.Max(1, (int)(songs * 7L / 10));
        UnknownCount = Math.Max(64, songs / 2);
        DirectoryCount = (int)Math.Clamp((songs + SongsPerDirectory - 1L) / SongsPerDirectory, 1, 26 * 26 * 26);
        var keys = DeterministicRandom.For(seed, IdDomain, 0);
        _trackKey = keys.NextUInt64();
        _songKey = keys.NextUInt64();
        _artistKey = keys.NextUInt64();
        _songStride = CoprimeStride(songs, keys.NextUInt64());
        _songOffset = songs == 0 ? 0 : (long)(keys.NextUInt64() % (ulong)songs);
        _artistStride = CoprimeStride(ArtistCount, keys.NextUInt64());
    }

    public int Count { get; }

    public int ArtistCount { get; }

    /// <summary>How many distinct songs that are not in the catalog the listeners play.</summary>
    public int UnknownCount { get; }

    public int DirectoryCount { get; }

    /// <summary>The three folder letters of leaf folder <paramref name="directoryIndex"/>: 0 is A/A/A, 1 is A/A/B, ...</summary>
    public static (char, char, char) DirectoryLetters(int directoryIndex) =>
        (Letters[directoryIndex / 676], Letters[directoryIndex / 26 % 26], Letters[directoryIndex % 26]);

    public CatalogSong GetSong(int index)
    {
        var rng = DeterministicRandom.For(_seed, SongDomain, index);
        var artist = (int)(_artistStride * rng.Skewed(ArtistCount) % ArtistCount);
        var directory = rng.Next(DirectoryCount);
        var title = MakeTitle(ref rng);
        var duration = MakeDuration(ref rng);
        var year = rng.Chance(0.45) ? 0 : 2010 - rng.Skewed(56);
        var (a, b, c) = DirectoryLetters(directory);
        var trackId = string.Create(18, (a, b, c, rng.NextUInt64(), Permute44((ulong)index, _trackKey)), static (span, s) =>
        {
            "TR".CopyTo(span);
            span[2] = s.a;
            span[3] = s.b;
            span[4] = s.c;
            span[5] = Letters[(int)(s.Item4 % 26)];
            span[6] = Letters[(int)(s.Item4 / 26 % 26)];
            WriteHex44(span[7..], s.Item5);
        });
        var songId = MakeId("SO", Letters, ref rng, Permute44((ulong)index, _songKey));
        var pretty = rng.Chance(0.04);
        return new CatalogSong(trackId, songId, title, duration, year, artist, directory, pretty);
    }

    public CatalogArtist GetArtist(int artistIndex)
    {
        var rng = DeterministicRandom.For(_seed, ArtistDomain, artistIndex);
        var name = MakeArtistName(ref rng);
        var id = MakeId("AR", LettersAndDigits, ref rng, Permute44((ulong)artistIndex, _artistKey));
        var roll = rng.NextDouble();
        if (roll < 0.35)
        {
            // As in the real data: no location at all, and then no coordinates either.
            return new CatalogArtist(id, name, "", null, null);
        }

        var (location, latitude, longitude) = rng.Pick(SyntheticVocabulary.ArtistPlaces);
        if (roll < 0.5)
        {
            return new CatalogArtist(id, name, location, null, null);
        }

        // A little spread around the town; integers divided once, so every platform writes the same digits.
        return new CatalogArtist(id, name, location, (latitude + rng.Next(-5000, 5001)) / 100000.0, (longitude + rng.Next(-5000, 5001)) / 100000.0);
    }

    /// <summary>The song a play of catalog song <paramref name="index"/> names: exactly the song file's title, artist name and duration.</summary>
    public PlayedSong Play(int index)
    {
        var song = GetSong(index);
        return new PlayedSong(song.Title, GetArtist(song.ArtistIndex).Name, song.Duration);
    }

    /// <summary>A song that is in no song file (the real logs are full of them).</summary>
    public PlayedSong Unknown(int index)
    {
        var rng = DeterministicRandom.For(_seed, UnknownDomain, index);
        var artist = MakeArtistName(ref rng);
        var title = MakeTitle(ref rng);
        return new PlayedSong(title, artist, MakeDuration(ref rng));
    }

    /// <summary>
    /// Another recording of catalog song <paramref name="index"/>: same title and artist, different
    /// length, so it must not match (the transform matches on all three).
    /// </summary>
    public PlayedSong OtherVersion(int index, ref DeterministicRandom rng)
    {
        var song = Play(index);
        var delta = rng.Next(1, 40) * 100000 + rng.Next(0, 100000);
        var units = ToUnits(song.Duration);
        units = rng.Chance(0.5) || units - delta < 1000000 ? units + delta : units - delta;
        return song with { Duration = units / 100000.0 };
    }

    /// <summary>A catalog song, the popular ones far more often.</summary>
    public int PickPopular(ref DeterministicRandom rng) => (int)((_songStride * rng.Skewed(Count) + _songOffset) % Count);

    public int PickUnknown(ref DeterministicRandom rng) => rng.Skewed(UnknownCount);

    /// <summary>
    /// A bijection on 44 bits (xor with a key, odd multiplications, xor-shifts), so distinct indexes give
    /// distinct ids: 11 hex digits that look random but can never collide.
    /// </summary>
    internal static ulong Permute44(ulong x, ulong key)
    {
        x = (x ^ key) & Mask44;
        x = (x * 0x5DEECE66DUL) & Mask44;
        x ^= x >> 23;
        x = (x * 0x2545F4914F6CDD1DUL) & Mask44;
        x ^= x >> 19;
        x = (x * 0x9E3779B97F4A7C15UL) & Mask44;
        x ^= x >> 22;
        return x;
    }

    private static long ToUnits(double duration) => (long)Math.Round(duration * 100000.0);

    private static long CoprimeStride(int count, ulong random)
    {
        if (count <= 1)
        {
            return 1;
        }

        var stride = (long)(random % (ulong)count) | 1;
        while (Gcd(stride, count) != 1)
        {
            stride += 2;
        }

        return stride;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static void WriteHex44(Span<char> destination, ulong value)
    {
        for (var i = 10; i >= 0; i--)
        {
            destination[i] = Hex[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    private static string MakeId(string prefix, string alphabet, ref DeterministicRandom rng, ulong unique)
    {
        Span<char> id = stackalloc char[18];
        prefix.CopyTo(id);
        for (var i = 2; i < 7; i++)
        {
            id[i] = alphabet[rng.Next(alphabet.Length)];
        }

        WriteHex44(id[7..], unique);
        return new string(id);
    }

    /// <summary>Seconds with five decimals, like the real durations (152.92036), built from integers.</summary>
    private static double MakeDuration(ref DeterministicRandom rng)
    {
        var roll = rng.NextDouble();
        var units = roll < 0.03
            ? rng.Next(20 * 100000, 90 * 100000)
            : roll < 0.07
                ? rng.Next(420 * 100000, 1200 * 100000)
                : 90L * 100000 + rng.Next(110 * 100000) + rng.Next(110 * 100000) + rng.Next(110 * 100000);
        return units / 100000.0;
    }

    private static string MakeTitle(ref DeterministicRandom rng)
    {
        if (rng.Chance(0.06))
        {
            return rng.Pick(SyntheticVocabulary.ForeignTitles);
        }

        var noun0 = rng.Pick(SyntheticVocabulary.Nouns);
        var noun1 = rng.Pick(SyntheticVocabulary.Nouns);
        var adjective = rng.Pick(SyntheticVocabulary.Adjectives);
        var template = rng.Pick(SyntheticVocabulary.TitleTemplates);
        var title = template
            .Replace("{0}s", SyntheticVocabulary.Plural(noun0), StringComparison.Ordinal)
            .Replace("{1}s", SyntheticVocabulary.Plural(noun1), StringComparison.Ordinal)
            .Replace("{0}", noun0, StringComparison.Ordinal)
            .Replace("{1}", noun1, StringComparison.Ordinal)
            .Replace("{2}", adjective, StringComparison.Ordinal);
        var roll = rng.NextDouble();
        if (roll < 0.10)
        {
            title += rng.Pick(SyntheticVocabulary.TitleSuffixes);
        }
        else if (roll < 0.13)
        {
            title += string.Create(CultureInfo.InvariantCulture, $" (feat. {MakePersonName(ref rng)})");
        }

        return title;
    }

    private static string MakePersonName(ref DeterministicRandom rng)
    {
        var first = rng.Chance(0.5) ? rng.Pick(SyntheticVocabulary.MaleFirstNames) : rng.Pick(SyntheticVocabulary.FemaleFirstNames);
        return first + " " + rng.Pick(SyntheticVocabulary.LastNames);
    }

    private static string MakeArtistName(ref DeterministicRandom rng)
    {
        var roll = rng.NextDouble();
        var adjective = rng.Pick(SyntheticVocabulary.Adjectives);
        var noun = rng.Pick(SyntheticVocabulary.Nouns);
        return roll switch
        {
            < 0.25 => "The " + adjective + " " + SyntheticVocabulary.Plural(noun),
            < 0.55 => MakePersonName(ref rng),
            < 0.68 => noun + " " + rng.Pick(SyntheticVocabulary.Nouns),
            < 0.76 => (rng.Chance(0.5) ? rng.Pick(SyntheticVocabulary.MaleFirstNames) : rng.Pick(SyntheticVocabulary.FemaleFirstNames)) + " & the " + SyntheticVocabulary.Plural(noun),
            < 0.81 => (rng.Chance(0.5) ? "DJ " : "MC ") + adjective,
            < 0.91 => adjective + noun.ToLowerInvariant(),
            _ => adjective + " " + noun + " " + rng.Pick(SyntheticVocabulary.BandWords),
        };
    }
}
