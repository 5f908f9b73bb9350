using System.Globalization;

namespace Sparkify.Warehouse.Generation;

/// <summary>
/// Invented building blocks for names, titles, places and browsers. Nothing here is taken from the
/// Sparkify sample (the tests check that no generated title, artist, person, place or user agent equals
/// one of the sample's): generated data must be synthetic, only shaped like the real thing.
/// A few entries carry accents, apostrophes and ampersands on purpose, so loads meet them.
/// </summary>
internal static class SyntheticVocabulary
{
    public static readonly string[] Adjectives =
    [
        "Silver", "Hollow", "Electric", "Golden", "Velvet", "Crimson", "Quiet", "Restless", "Paper", "Neon",
        "Wooden", "Frozen", "Burning", "Distant", "Gentle", "Lonely", "Crooked", "Faded", "Sleepless", "Hidden",
        "Lucky", "Salty", "Shallow", "Tender", "Copper", "Amber", "Cobalt", "Dusty", "Empty", "Fragile",
        "Heavy", "Little", "Northern", "Open", "Painted", "Rusty", "Secret", "Slow", "Southern", "Stolen",
        "Sudden", "Sweet", "Twisted", "Violet", "Wandering", "Whispering", "Marble", "Glass",
    ];

    public static readonly string[] Nouns =
    [
        "Harbor", "Lantern", "Compass", "Orchard", "Highway", "River", "Mirror", "Window", "Garden", "Engine",
        "Canyon", "Valley", "Meadow", "Thunder", "Feather", "Anchor", "Bridge", "Candle", "Cathedral", "Comet",
        "Desert", "Echo", "Ember", "Forest", "Glacier", "Horizon", "Island", "Jukebox", "Kingdom", "Lighthouse",
        "Machine", "Mountain", "Ocean", "Parade", "Pocket", "Postcard", "Railroad", "Satellite", "Shadow", "Signal",
        "Skyline", "Sparrow", "Station", "Summer", "Sunrise", "Telephone", "Thread", "Tower", "Tunnel", "Umbrella",
        "Volcano", "Wave", "Whistle", "Winter", "Wire", "Letter", "Carousel", "Avalanche", "Circus", "Balloon",
    ];

    /// <summary>Title templates; {0}/{1} are nouns, {2} an adjective.</summary>
    public static readonly string[] TitleTemplates =
    [
        "{2} {0}", "{2} {0}", "{2} {0}", "{0}", "{0} of {1}s", "Running Down the {0}", "Waiting for the {0}",
        "Dancing on the {0}", "Falling Through the {0}", "Chasing {0}s", "Don't Forget the {0}",
        "Letters to the {0}", "Back to the {0}", "Under the {2} {0}", "{0} in the {1}", "Songs for a {2} {0}",
        "My {2} {0}", "{0} & {1}", "The {0} Song", "Hey {2} {0}",
    ];

    public static readonly string[] ForeignTitles =
    [
        "Corazón de Cobre", "Niña de Papel", "L'Été Sans Fin", "Sous la Lune Bleue", "Fußgängerzone",
        "Mörk Sjö", "Saudade do Farol", "Ciudad Dormida", "Ça Va Mieux", "Noche de Cobalto", "Kärlek på Tåget",
        "Água Viva Azul",
    ];

    public static readonly string[] TitleSuffixes =
    [
        " (Live)", " (Remix)", " (Album Version)", " (Radio Edit)", " (Acoustic)", " (Demo)", " (Remastered)",
        " [Live]", " (Instrumental)", " (Extended Mix)",
    ];

    public static readonly string[] BandWords = ["Collective", "Orchestra", "Trio", "Quartet", "Ensemble", "Project", "Band", "Sound System"];

    public static readonly string[] MaleFirstNames =
    [
        "Oliver", "Liam", "Ethan", "Mason", "Lucas", "Logan", "Owen", "Caleb", "Nathan", "Isaiah",
        "Gavin", "Felix", "Jasper", "Silas", "Rowan", "Declan", "Emmett", "Tobias", "Victor", "Hugo",
        "Rafael", "Marco", "Dante", "Andre", "Malik", "Desmond", "Grant", "Spencer", "Trevor", "Dennis",
        "Gordon", "Vincent", "Leon", "Simon", "Arthur", "Harold", "Frank", "Russell", "Wesley", "José",
    ];

    public static readonly string[] FemaleFirstNames =
    [
        "Olivia", "Emma", "Sophia", "Isabella", "Mia", "Amelia", "Charlotte", "Abigail", "Ella", "Scarlett",
        "Grace", "Zoe", "Nora", "Riley", "Aubrey", "Hazel", "Violet", "Aurora", "Naomi", "Ruby",
        "Stella", "Lucy", "Eleanor", "Madeline", "Clara", "Vivian", "Iris", "Daisy", "Paige", "Tessa",
        "Maya", "Leah", "Elena", "Julia", "Nadia", "Priya", "Ingrid", "Beatrice", "Rosa", "Zoë",
    ];

    public static readonly string[] LastNames =
    [
        "Anderson", "Bailey", "Bennett", "Brooks", "Castillo", "Coleman", "Diaz", "Edwards", "Fischer", "Fleming",
        "Foster", "Hansen", "Hoffman", "Holland", "Hughes", "Jenkins", "Kim", "Lambert", "Lawson", "Mendoza",
        "Mitchell", "Murphy", "Nguyen", "Novak", "Ortiz", "Patel", "Perry", "Quinn", "Reyes", "Richards",
        "Russo", "Schmidt", "Shaw", "Stewart", "Sullivan", "Tanaka", "Torres", "Vargas", "Wagner", "Walsh",
        "Ward", "Weber", "Wheeler", "Yates", "Zimmerman", "Morgan", "Kowalski", "Lindqvist", "O'Neill", "Müller",
        "Peña", "Okafor", "Haddad", "Moreau", "Ivanova",
    ];

    /// <summary>Listener locations, written like the app's (US metropolitan area names).</summary>
    public static readonly string[] UserLocations =
    [
        "Boston-Cambridge-Newton, MA-NH", "Denver-Aurora-Lakewood, CO", "Austin-Round Rock, TX",
        "Charlotte-Concord-Gastonia, NC-SC", "Kansas City, MO-KS", "Columbus, OH", "Cleveland-Elyria, OH",
        "Pittsburgh, PA", "Baltimore-Columbia-Towson, MD", "Las Vegas-Henderson-Paradise, NV",
        "Orlando-Kissimmee-Sanford, FL", "Jacksonville, FL", "Memphis, TN-MS-AR", "Louisville/Jefferson County, KY-IN",
        "Oklahoma City, OK", "Tucson, AZ", "Albuquerque, NM", "Boise City, ID", "Spokane-Spokane Valley, WA",
        "Omaha-Council Bluffs, NE-IA", "Des Moines-West Des Moines, IA", "Madison, WI",
        "Buffalo-Cheektowaga-Niagara Falls, NY", "Rochester, NY", "Albany-Schenectady-Troy, NY",
        "Hartford-West Hartford-East Hartford, CT", "Providence-Warwick, RI-MA", "Burlington-South Burlington, VT",
        "Anchorage, AK", "Urban Honolulu, HI", "Fresno, CA", "Bakersfield, CA", "Reno, NV", "Tulsa, OK",
        "Little Rock-North Little Rock-Conway, AR", "Knoxville, TN", "Chattanooga, TN-GA",
        "Greenville-Anderson-Mauldin, SC", "Savannah, GA", "Charleston-North Charleston, SC",
        "Virginia Beach-Norfolk-Newport News, VA-NC", "Durham-Chapel Hill, NC", "Ann Arbor, MI",
        "Grand Rapids-Wyoming, MI", "Fort Wayne, IN", "Springfield, MO", "Wichita, KS", "Lincoln, NE", "Fargo, ND-MN",
        "Sioux Falls, SD", "Billings, MT", "Bend-Redmond, OR", "Flagstaff, AZ", "Santa Fe, NM", "El Paso, TX",
        "Corpus Christi, TX", "Baton Rouge, LA", "Mobile, AL", "Tallahassee, FL", "Cincinnati, OH-KY-IN",
    ];

    /// <summary>
    /// Artist home towns, spelled as inconsistently as in the real song data, with coordinates in
    /// hundred-thousandths of a degree (integers, so the written doubles are identical everywhere).
    /// </summary>
    public static readonly (string Location, int Latitude, int Longitude)[] ArtistPlaces =
    [
        ("Austin, TX", 3026715, -9774306), ("Portland, OR", 4551520, -12267837), ("Athens, GA", 3396073, -8337794),
        ("Minneapolis, MN", 4497775, -9326501), ("Boston, MA", 4235866, -7105674), ("Detroit, MI", 4233143, -8304575),
        ("Atlanta, GA", 3374831, -8439111), ("Los Angeles, CA", 3405349, -11824532), ("Oakland, CA", 3780436, -12227111),
        ("Brooklyn, NY", 4065010, -7394958), ("Philadelphia, PA", 3995227, -7516224), ("Baltimore, MD", 3929038, -7661219),
        ("Cleveland, OH", 4149950, -8169541), ("Kansas City, MO", 3909973, -9457857), ("Denver, CO", 3973924, -10499025),
        ("Omaha, NE", 4125649, -9593450), ("New Orleans, LA", 2995107, -9007153), ("Tulsa, OK", 3615398, -9599277),
        ("Richmond, VA", 3754072, -7743605), ("Asheville, NC", 3559511, -8255149), ("Burlington, VT", 4447588, -7321207),
        ("Montréal, Québec, Canada", 4550884, -7358781), ("Vancouver, BC, Canada", 4924966, -12311934),
        ("Manchester, England", 5348095, -224263), ("Glasgow, Scotland", 5586424, -425181), ("Dublin, Ireland", 5334981, -626031),
        ("Berlin, Germany", 5252000, 1340495), ("Hamburg", 5355108, 999368), ("Stockholm, Sweden", 5932932, 1806858),
        ("Reykjavík, Iceland", 6414657, -2194236), ("Paris, France", 4885661, 235222), ("Lyon", 4576404, 483566),
        ("Barcelona, Spain", 4138506, 217340), ("Lisbon, Portugal", 3872225, -913934), ("Milano, Italia", 4546420, 918998),
        ("São Paulo, Brazil", -2355052, -4663331), ("Buenos Aires, Argentina", -3460372, -5838159),
        ("Kingston, Jamaica", 1801790, -7680934), ("Havana, Cuba", 2311360, -8236660), ("Lagos, Nigeria", 652441, 337919),
        ("Johannesburg, South Africa", -2620410, 2804731), ("Tokyo, Japan", 3567620, 13965030), ("Seoul, South Korea", 3756650, 12697800),
        ("Melbourne, Australia", -3781363, 14496306), ("Auckland, New Zealand", -3684846, 17476334),
        ("Mexico City, Mexico", 1943261, -9913321), ("Texas", 3196853, -9990181), ("California", 3677826, -11941793),
        ("Sweden", 6012816, 1864350), ("Bristol, UK", 5145451, -258791), ("Austin, Texas", 3026715, -9774306),
        ("LA", 3405349, -11824532), ("Detroit, Michigan USA", 4233143, -8304575),
    ];

    /// <summary>
    /// Browser identifications of the right era. As in the real logs, the ones containing a comma are
    /// wrapped in literal double quotes (an artifact of the app's CSV export that the data kept).
    /// </summary>
    public static readonly string[] UserAgents = BuildUserAgents();

    public static string Plural(string noun)
    {
        if (noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith("sh", StringComparison.Ordinal) || noun.EndsWith('o'))
        {
            return noun + "es";
        }

        return noun.EndsWith('y') && noun.Length > 1 && !"aeiou".Contains(noun[^2], StringComparison.Ordinal)
            ? string.Concat(noun.AsSpan(0, noun.Length - 1), "ies")
            : noun + "s";
    }

    private static string[] BuildUserAgents()
    {
        var agents = new List<string>();
        string[] webKitSystems =
        [
            "Windows NT 6.1; Win64; x64", "Windows NT 6.3; Win64; x64", "Windows NT 10.0; Win64; x64", "Windows NT 6.2; Win64; x64",
            "Macintosh; Intel Mac OS X 10_10_1", "Macintosh; Intel Mac OS X 10_10_3", "Macintosh; Intel Mac OS X 10_9_5", "X11; Linux i686",
        ];
        string[] chromeVersions = ["38.0.2125.111", "39.0.2171.95", "40.0.2214.115", "41.0.2272.101"];
        foreach (var system in webKitSystems)
        {
            foreach (var version in chromeVersions)
            {
                agents.Add($"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version} Safari/537.36");
            }
        }

        foreach (var (system, webKit, safari) in new[]
                 {
                     ("Macintosh; Intel Mac OS X 10_10_1", "600.2.5", "8.0.2"), ("Macintosh; Intel Mac OS X 10_10_2", "600.3.18", "8.0.3"),
                     ("Macintosh; Intel Mac OS X 10_9_5", "600.1.17", "7.1"),
                 })
        {
            agents.Add($"Mozilla/5.0 ({system}) AppleWebKit/{webKit} (KHTML, like Gecko) Version/{safari} Safari/{webKit}");
        }

        foreach (var (device, os, build) in new[] { ("iPhone", "8_1_2", "12B440"), ("iPhone", "8_1_3", "12B466"), ("iPad", "8_1", "12B410") })
        {
            var cpu = device == "iPhone" ? "iPhone OS" : "OS";
            agents.Add($"Mozilla/5.0 ({device}; CPU {cpu} {os} like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/{build} Safari/600.1.4");
        }

        foreach (var (android, model) in new[] { ("4.4.4", "Nexus 5 Build/KTU84P"), ("5.0", "SM-G900F Build/LRX21T"), ("4.4.2", "SAMSUNG-SM-N900A Build/KOT49H") })
        {
            agents.Add($"Mozilla/5.0 (Linux; Android {android}; {model}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2171.93 Mobile Safari/537.36");
        }

        string[] geckoSystems = ["Windows NT 6.1; Win64; x64", "Windows NT 6.3; Win64; x64", "Macintosh; Intel Mac OS X 10.10", "X11; Ubuntu; Linux x86_64"];
        foreach (var system in geckoSystems)
        {
            foreach (var version in new[] { 33, 34, 35 })
            {
                agents.Add(string.Create(CultureInfo.InvariantCulture, $"Mozilla/5.0 ({system}; rv:{version}.0) Gecko/20100101 Firefox/{version}.0"));
            }
        }

        agents.Add("Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko");
        agents.Add("Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko");
        agents.Add("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Win64; x64; Trident/6.0)");
        return [.. agents.Select(a => a.Contains(',', StringComparison.Ordinal) ? "\"" + a + "\"" : a)];
    }
}
