using System.Text;

namespace Sparkify.Warehouse.Reporting;

/// <summary>
/// Renders <see cref="ReportData"/> as the page. Charts carry <c>id</c>s and tables
/// <c>data-table</c> names that match the <c>sparkify query</c> names they show, so readers (and the
/// tests) can tell which answer is which.
/// </summary>
internal static class ReportHtml
{
    private static readonly string[] WeekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    public static string Render(ReportData data, ReportOptions options, DateTime generatedAt)
    {
        var title = string.IsNullOrWhiteSpace(options.Title) ? ReportOptions.DefaultTitle : options.Title.Trim();
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n")
            .Append("<meta name=\"generator\" content=\"sparkify report\">\n")
            .Append("<title>").Append(Html.Encode(title)).Append("</title>\n<style>\n").Append(ReportStyle.Css).Append("\n</style>\n</head>\n<body>\n");

        html.Append("<header>\n<h1>").Append(Html.Encode(title)).Append("</h1>\n")
            .Append("<p class=\"scope\" data-scope>").Append(Html.Encode(Scope(options))).Append("</p>\n")
            .Append("<p class=\"generated\">Generated <time data-generated datetime=\"").Append(Html.Iso(generatedAt)).Append("\">")
            .Append(Html.Minute(generatedAt)).Append(" UTC</time> by <code>sparkify report</code>.</p>\n</header>\n<main>\n");

        if (data.Summary.Plays == 0)
        {
            Empty(html, options);
        }
        else
        {
            Headline(html, data);
            html.Append("<div class=\"grid\">\n");
            PlaysChart(html, "plays-by-hour", "Plays by hour of day", "Hour of day (UTC)", "Hour",
                [.. Enumerable.Range(0, 24).Select(h => h.ToString("00", System.Globalization.CultureInfo.InvariantCulture))],
                [.. data.Series.Select(s => new ChartSeries(s.Name, [.. s.Hours.Select(h => h.Plays)]))]);
            PlaysChart(html, "plays-by-weekday", "Plays by weekday", "Day of the week (UTC)", "Weekday",
                WeekdayNames,
                [.. data.Series.Select(s => new ChartSeries(s.Name, [.. s.Weekdays.Select(d => d.Plays)]))]);
            html.Append("</div>\n");
            DailyActiveUsers(html, data);
            Levels(html, data);
            html.Append("<div class=\"grid\">\n");
            TopSongs(html, data);
            TopArtists(html, data);
            TopLocations(html, data);
            html.Append("</div>\n");
        }

        Loads(html, data);
        html.Append("</main>\n<footer>\n<p>Every play number comes from the warehouse's analyst queries, the same as <code>sparkify query</code> answers ")
            .Append("with the same filters. Times are UTC. Load history covers the whole warehouse.</p>\n</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Scope(ReportOptions options)
    {
        var window = (options.From, options.To) switch
        {
            (null, null) => "All plays",
            ({ } from, null) => $"Plays from {Html.Minute(Utc(from))} UTC on",
            (null, { } to) => $"Plays before {Html.Minute(Utc(to))} UTC",
            ({ } from, { } to) => $"Plays from {Html.Minute(Utc(from))} up to (not including) {Html.Minute(Utc(to))} UTC",
        };
        return options.Level is { } level ? $"{window}, at level {level} (level at play time)." : window + ", every level.";
    }

    // As SongPlayFilters.Between reads the bounds: local times are converted, others are UTC already.
    private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;

    private static void Empty(StringBuilder html, ReportOptions options)
    {
        var filtered = options.From is not null || options.To is not null || options.Level is not null;
        html.Append("<section id=\"empty\" class=\"empty\" aria-labelledby=\"empty-h\">\n<h2 id=\"empty-h\">No plays to report</h2>\n<p>")
            .Append(filtered
                ? "No plays match these filters. Widen the window or drop the level, or check that the data for this period has been loaded."
                : "The warehouse holds no plays yet. Load the song and event files with <code>sparkify load</code>, then write the report again.")
            .Append("</p>\n</section>\n");
    }

    private static void Headline(StringBuilder html, ReportData data)
    {
        var s = data.Summary;
        html.Append("<section id=\"headline\" aria-labelledby=\"headline-h\">\n<h2 id=\"headline-h\">At a glance</h2>\n<dl class=\"tiles\">\n");
        Tile(html, "plays", "Plays", Html.Count(s.Plays), "matched to a song or not");
        Tile(html, "listeners", "Listeners", Html.Count(s.Listeners), "users with at least one play");
        Tile(html, "songs", "Songs played", Html.Count(s.Songs), "distinct matched songs");
        Tile(html, "artists", "Artists played", Html.Count(s.Artists), "distinct matched artists");
        Tile(html, "matched", "Matched to a song", Html.Percent(s.MatchedPlays, s.Plays), $"{Html.Count(s.MatchedPlays)} of {Html.Count(s.Plays)} plays");
        Tile(html, "period", "Period covered", $"{Html.Date(DateOnly.FromDateTime(s.FirstPlay!.Value))} – {Html.Date(DateOnly.FromDateTime(s.LastPlay!.Value))}",
            $"first play {Html.Minute(s.FirstPlay.Value)}, last {Html.Minute(s.LastPlay.Value)} UTC", isText: true);
        Tile(html, "last-loaded", "Last loaded", data.LastLoaded is { } loaded ? Html.Minute(loaded) + " UTC" : "never", "end of the latest successful load", isText: true);
        html.Append("</dl>\n</section>\n");
    }

    private static void Tile(StringBuilder html, string metric, string label, string value, string note, bool isText = false)
    {
        // Dates and times are long; they get a smaller type than the counts so the tiles stay even.
        var kind = isText ? "value text" : "value";
        html.Append("<div class=\"tile\" data-metric=\"").Append(metric).Append("\"><dt>").Append(Html.Encode(label)).Append("</dt><dd><span class=\"")
            .Append(kind).Append("\">").Append(Html.Encode(value)).Append("</span><span class=\"note\">").Append(Html.Encode(note)).Append("</span></dd></div>\n");
    }

    private static void PlaysChart(StringBuilder html, string id, string title, string xTitle, string categoryHeader, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series)
    {
        var heading = series.Count > 1 ? title + ", by level" : title;
        SectionStart(html, id, heading);
        html.Append("<ul class=\"legend\" aria-hidden=\"true\">");
        for (var s = 0; s < series.Count; s++)
        {
            html.Append("<li><svg viewBox=\"0 0 10 10\"><rect class=\"s").Append(Math.Min(s, 2)).Append("\" width=\"10\" height=\"10\"/></svg>")
                .Append(Html.Encode(series[s].Name)).Append("</li>");
        }

        html.Append("</ul>\n<div class=\"figure\">\n<div>\n");
        SvgCharts.Bars(html, id, heading, categories, series, xTitle, "Plays", "plays");
        html.Append("</div>\n");

        // The same numbers as a table: one row per category, a column per level, and the total.
        TableStart(html, id, $"{title}: plays per {categoryHeader.ToLowerInvariant()} and level", full: false);
        html.Append("<th scope=\"col\">").Append(categoryHeader).Append("</th>");
        foreach (var s in series)
        {
            html.Append("<th scope=\"col\" class=\"num\">").Append(Html.Encode(s.Name)).Append("</th>");
        }

        html.Append("<th scope=\"col\" class=\"num\">All</th></tr></thead>\n<tbody>\n");
        for (var c = 0; c < categories.Count; c++)
        {
            html.Append("<tr><th scope=\"row\">").Append(Html.Encode(categories[c])).Append("</th>");
            foreach (var s in series)
            {
                html.Append("<td class=\"num\">").Append(Html.Count(s.Values[c])).Append("</td>");
            }

            html.Append("<td class=\"num\">").Append(Html.Count(series.Sum(s => s.Values[c]))).Append("</td></tr>\n");
        }

        TableEnd(html);
        html.Append("</div>\n</section>\n");
    }

    private static void DailyActiveUsers(StringBuilder html, ReportData data)
    {
        const string id = "daily-active-users";
        SectionStart(html, id, "Daily active users");
        html.Append("<div class=\"figure\">\n<div>\n");
        SvgCharts.Line(html, id, "Daily active users", [.. data.DailyActiveUsers.Select(d => (d.Date, d.Users))], "Date (UTC)", "Users", "users");
        html.Append("</div>\n");
        TableStart(html, id, "Users with at least one play, per date (dates without plays are left out)", full: false);
        html.Append("<th scope=\"col\">Date</th><th scope=\"col\" class=\"num\">Users</th></tr></thead>\n<tbody>\n");
        foreach (var day in data.DailyActiveUsers)
        {
            html.Append("<tr><th scope=\"row\">").Append(Html.Date(day.Date)).Append("</th><td class=\"num\">").Append(Html.Count(day.Users)).Append("</td></tr>\n");
        }

        TableEnd(html);
        html.Append("</div>\n</section>\n");
    }

    private static void Levels(StringBuilder html, ReportData data)
    {
        const string id = "level-comparison";
        SectionStart(html, id, "Free and paid");
        var (users, plays, perUser) = (data.Levels.Max(l => l.Users), data.Levels.Max(l => l.Plays), data.Levels.Max(l => l.PlaysPerUser));
        TableStart(html, id, "Per level at play time: users with at least one play at that level, their plays, and plays per user", full: true);
        html.Append("<th scope=\"col\">Level</th><th scope=\"col\" class=\"num\">Users</th><th scope=\"col\" class=\"num\">Plays</th><th scope=\"col\" class=\"num\">Plays per user</th></tr></thead>\n<tbody>\n");
        foreach (var level in data.Levels)
        {
            html.Append("<tr><th scope=\"row\">").Append(Html.Encode(level.Level ?? ReportData.NoLevel)).Append("</th>");
            BarCell(html, Html.Count(level.Users), level.Users, users);
            BarCell(html, Html.Count(level.Plays), level.Plays, plays);
            BarCell(html, Html.Decimal(level.PlaysPerUser), (double)level.PlaysPerUser, (double)perUser);
            html.Append("</tr>\n");
        }

        TableEnd(html);
        html.Append("</section>\n");
    }

    private static void TopSongs(StringBuilder html, ReportData data)
        => TopTable(html, "top-songs", "Top songs", "Most played songs (plays matched to a song only)", ["Song", "Artist"],
            data.TopSongs, r => [r.Title ?? r.SongId, r.ArtistName ?? "(unknown)"], r => r.Plays, "No play matched a song.");

    private static void TopArtists(StringBuilder html, ReportData data)
        => TopTable(html, "top-artists", "Top artists", "Most played artists (plays matched to a song only)", ["Artist"],
            data.TopArtists, r => [r.Name ?? r.ArtistId], r => r.Plays, "No play matched a song.");

    private static void TopLocations(StringBuilder html, ReportData data)
        => TopTable(html, "top-locations", "Top locations", "Where the listeners were when they played (all plays)", ["Location"],
            data.TopLocations, r => [r.Location ?? "(no location)"], r => r.Plays, "No plays.");

    /// <summary>A ranked table: rank, the row's text columns, and its plays with an inline bar.</summary>
    private static void TopTable<T>(
        StringBuilder html, string id, string heading, string caption, string[] columns, IReadOnlyList<T> rows, Func<T, string[]> cells, Func<T, long> plays, string whenNone)
    {
        SectionStart(html, id, heading);
        TableStart(html, id, caption, full: true);
        html.Append("<th scope=\"col\" class=\"num\">#</th>");
        foreach (var column in columns)
        {
            html.Append("<th scope=\"col\">").Append(column).Append("</th>");
        }

        html.Append("<th scope=\"col\" class=\"num\">Plays</th></tr></thead>\n<tbody>\n");
        var max = rows.Select(plays).DefaultIfEmpty(0).Max();
        for (var i = 0; i < rows.Count; i++)
        {
            html.Append("<tr><td class=\"num\">").Append(i + 1).Append("</td>");
            foreach (var cell in cells(rows[i]))
            {
                html.Append("<td>").Append(Html.Encode(cell)).Append("</td>");
            }

            BarCell(html, Html.Count(plays(rows[i])), plays(rows[i]), max);
            html.Append("</tr>\n");
        }

        if (rows.Count == 0)
        {
            html.Append("<tr><td colspan=\"").Append(columns.Length + 2).Append("\" class=\"muted\">").Append(Html.Encode(whenNone)).Append("</td></tr>\n");
        }

        TableEnd(html);
        html.Append("</section>\n");
    }

    private static void Loads(StringBuilder html, ReportData data)
    {
        const string id = "load-runs";
        SectionStart(html, id, "Loads");
        if (data.RecentRuns.Count == 0)
        {
            html.Append("<p data-no-loads>No loads are recorded in <code>load_runs</code>.</p>\n</section>\n");
            return;
        }

        TableStart(html, id, $"The latest {data.RecentRuns.Count} loads (load_runs), newest first", full: true);
        html.Append("<th scope=\"col\">Started (UTC)</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Duration</th>")
            .Append("<th scope=\"col\" class=\"num\">Events staged</th><th scope=\"col\" class=\"num\">Songs staged</th>")
            .Append("<th scope=\"col\" class=\"num\">Rejected</th><th scope=\"col\" class=\"num\">Plays inserted</th></tr></thead>\n<tbody>\n");
        foreach (var run in data.RecentRuns)
        {
            html.Append("<tr><td>").Append(Html.Minute(run.StartedAt)).Append("</td><td><span class=\"status-").Append(Html.Encode(run.Status)).Append("\">")
                .Append(Html.Encode(run.Status)).Append("</span>");
            if (run.Error is { } error)
            {
                html.Append("<div class=\"error\">").Append(Html.Encode(error.Length > 300 ? error[..300] + "…" : error)).Append("</div>");
            }

            html.Append("</td><td class=\"num\">").Append(run.FinishedAt is { } finished ? Html.Duration(finished - run.StartedAt) : "running")
                .Append("</td><td class=\"num\">").Append(Html.Count(run.EventsStaged))
                .Append("</td><td class=\"num\">").Append(Html.Count(run.SongsStaged))
                .Append("</td><td class=\"num\">").Append(Html.Count(run.RowsRejected))
                .Append("</td><td class=\"num\">").Append(Html.Count(run.SongPlaysInserted)).Append("</td></tr>\n");
        }

        TableEnd(html);

        html.Append("<h3 id=\"load-errors-h\">Rejected records by reason</h3>\n");
        if (data.Rejects == 0)
        {
            html.Append("<p data-no-rejects>No record has been rejected (<code>load_errors</code> is empty).</p>\n</section>\n");
            return;
        }

        TableStart(html, "load-errors", $"{Html.Count(data.Rejects)} rejected records in all loads (load_errors); the most frequent reasons", full: true);
        html.Append("<th scope=\"col\">Reason</th><th scope=\"col\" class=\"num\">Records</th></tr></thead>\n<tbody>\n");
        var max = data.RejectReasons.Select(r => r.Rejects).DefaultIfEmpty(0).Max();
        foreach (var reason in data.RejectReasons)
        {
            html.Append("<tr><td>").Append(Html.Encode(reason.Reason)).Append("</td>");
            BarCell(html, Html.Count(reason.Rejects), reason.Rejects, max);
            html.Append("</tr>\n");
        }

        TableEnd(html);
        html.Append("</section>\n");
    }

    private static void SectionStart(StringBuilder html, string id, string heading)
        => html.Append("<section id=\"").Append(id).Append("\" aria-labelledby=\"").Append(id).Append("-h\">\n<h2 id=\"").Append(id).Append("-h\">")
            .Append(Html.Encode(heading)).Append("</h2>\n");

    private static void TableStart(StringBuilder html, string name, string caption, bool full)
        => html.Append("<div class=\"table-wrap").Append(full ? " full" : "").Append("\">\n<table data-table=\"").Append(name).Append("\">\n<caption>")
            .Append(Html.Encode(caption)).Append("</caption>\n<thead><tr>");

    private static void TableEnd(StringBuilder html) => html.Append("</tbody>\n</table>\n</div>\n");

    private static void BarCell(StringBuilder html, string text, double value, double max)
    {
        html.Append("<td class=\"num\">");
        SvgCharts.InlineBar(html, value, max);
        html.Append("<span class=\"value\">").Append(text).Append("</span></td>");
    }
}
