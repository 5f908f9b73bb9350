using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Sparkify.Warehouse.Generation;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify generate</c>: writes a synthetic dataset in the Sparkify layout (song files, event logs, JSONPaths).</summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext cli)
    {
        var defaults = new GenerationOptions { OutputDirectory = "." };
        var output = new Option<string>("--out")
        {
            Description = "Folder to write song_data/, log_data/ and log_json_path.json into; must be new or empty unless --force.",
            Required = true,
        };
        var songs = new Option<int>("--songs")
        {
            Description = "Number of song files (one song each).",
            DefaultValueFactory = _ => defaults.Songs,
            CustomParser = result => ParseInt(result, 0, int.MaxValue, "0 or more"),
        };
        var events = new Option<int>("--events")
        {
            Description = "Number of events (log lines) across all days.",
            DefaultValueFactory = _ => defaults.Events,
            CustomParser = result => ParseInt(result, 0, int.MaxValue, "0 or more"),
        };
        var days = new Option<int>("--days")
        {
            Description = "Number of days the events span, one log file per day.",
            DefaultValueFactory = _ => defaults.Days,
            CustomParser = result => ParseInt(result, 1, GenerationOptions.MaxDays, $"between 1 and {GenerationOptions.MaxDays}"),
        };

        // No DefaultValueFactory: help would print the default date in the machine's culture.
        var start = new Option<DateOnly?>("--start")
        {
            Description = $"First day of the logs, YYYY-MM-DD (UTC). [default: {defaults.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}]",
            CustomParser = ParseDate,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Seed; the same seed and sizes always give the same bytes.",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var force = new Option<bool>("--force")
        {
            Description = "Write into a non-empty folder, replacing its song_data/, log_data/ and log_json_path.json (other files are kept).",
        };

        var command = new Command("generate", "Write a synthetic Sparkify dataset (song files, a month of event logs, the JSONPaths file) for demos, tests and benchmarks.")
        {
            output, songs, events, days, start, seed, force,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var folder = parseResult.GetValue(output)!;
            if (string.IsNullOrWhiteSpace(folder))
            {
                throw new UsageException("--out needs a folder.");
            }

            var full = Path.GetFullPath(folder);
            if (File.Exists(full))
            {
                throw new UsageException($"--out '{folder}' is a file; give a folder.");
            }

            var replace = parseResult.GetValue(force);
            if (!replace && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new UsageException($"--out '{folder}' is not empty; choose a new or empty folder, or add --force to replace the generated data in it.");
            }

            var first = parseResult.GetValue(start) ?? defaults.StartDate;
            var dayCount = parseResult.GetValue(days);
            if (first.DayNumber + dayCount > DateOnly.MaxValue.DayNumber)
            {
                throw new UsageException("--start and --days reach past the year 9999.");
            }

            var dataset = await SparkifyDataGenerator.GenerateAsync(
                new GenerationOptions
                {
                    OutputDirectory = full,
                    Songs = parseResult.GetValue(songs),
                    Events = parseResult.GetValue(events),
                    Days = dayCount,
                    StartDate = first,
                    Seed = parseResult.GetValue(seed),
                    ReplaceExisting = replace,
                },
                cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Generated {dataset.SongFiles:N0} song files, {dataset.LogFiles:N0} log files and {dataset.Events:N0} events ({dataset.SongPlays:N0} plays, {dataset.MatchedSongPlays:N0} of catalog songs; {dataset.Users:N0} users), {dataset.Bytes:N0} bytes, in {dataset.OutputDirectory}.")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Parses and range-checks an integer option in one place, so a bad value is one clear parse error (exit 2).</summary>
    private static int ParseInt(ArgumentResult result, int minimum, int maximum, string range)
    {
        var name = result.Parent is OptionResult option ? option.Option.Name : "value";
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} must be a whole number {range}, not '{text}'.");
            return 0;
        }

        if (value < minimum || value > maximum)
        {
            result.AddError($"{name} must be {range}, not {text}.");
        }

        return value;
    }

    private static DateOnly? ParseDate(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        result.AddError($"--start must be a date like 2018-11-01, not '{text}'.");
        return null;
    }
}
