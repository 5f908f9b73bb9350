using System.Text.Json;
using Sparkify.Warehouse.Cli.Benchmarks;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify bench</c> on a tiny dataset: it runs every measurement and reports them in the
/// documented shapes. No speed is asserted here; that is the benchmark's own job on real sizes.
/// </summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_runs_every_measurement_on_fresh_databases_and_reports_json_with_identical_star_tables()
    {
        // A quote and a backslash in the home: psql reads the lean reference's day files from a quoted \copy argument.
        var home = TempFolder.NewPath("bench-home") + "-it's\\here";
        try
        {
            var server = await TestPostgres.GetAdminConnectionStringAsync();
            var result = await SparkifyProcess.RunAsync(
                new Dictionary<string, string?> { ["SPARKIFY_HOME"] = home },
                "bench", "--events", "3000", "--songs", "60", "--ef-rows", "300", "--json", "--connection", server);

            Assert.True(result.ExitCode == 0, result.ToString());
            using var json = JsonDocument.Parse(result.Out);
            var root = json.RootElement;
            Assert.Equal(3000, root.GetProperty("events").GetInt32());
            var measurements = root.GetProperty("measurements").EnumerateArray().ToList();
            Assert.Equal(17, measurements.Count);
            Assert.All(measurements, m =>
            {
                Assert.True(m.GetProperty("seconds").GetDouble() > 0);
                Assert.True(m.GetProperty("rows").GetInt64() > 0);
            });
            Assert.True(root.GetProperty("star_tables_identical").GetBoolean());
            Assert.True(root.GetProperty("layouts_identical").GetBoolean());
            Assert.True(root.GetProperty("load_to_reference").GetDouble() > 0);
            Assert.True(root.GetProperty("one_file_load_to_reference").GetDouble() > 0);
            Assert.True(root.GetProperty("incremental_to_proportional").GetDouble() > 0);
            Assert.True(root.GetProperty("day_after_to_proportional").GetDouble() > 0);
            Assert.True(root.GetProperty("incremental_to_reference_day").GetDouble() > 0);
            Assert.True(root.GetProperty("day_after_to_reference_day").GetDouble() > 0);

            // The lean reference's days, run by psql from CSV, end where the loader's days end.
            Assert.True(root.GetProperty("days_star_tables_identical").GetBoolean());

            // The days' own statements, run by psql from the load's plan with the staged rows in binary, end there too.
            Assert.True(root.GetProperty("day_plans_star_tables_identical").GetBoolean());
            foreach (var ratio in new[] { "next_day_plan_to_proportional", "day_after_plan_to_proportional", "incremental_to_next_day_plan" })
            {
                Assert.True(root.GetProperty(ratio).GetDouble() > 0, ratio);
            }
            Assert.True(root.GetProperty("day_over_prefix_to_named").GetDouble() > 0);
            Assert.True(root.GetProperty("prefix_warehouses_identical").GetBoolean());
            foreach (var cpu in new[] { "next_day_cpu_seconds", "day_after_cpu_seconds", "day_over_prefix_cpu_seconds", "day_named_alone_cpu_seconds" })
            {
                Assert.True(root.GetProperty(cpu).GetDouble() > 0, cpu);
            }

            // The prefix is back to the month alone: the day it grew by is gone again.
            var prefix = Directory.GetDirectories(Path.Combine(home, "bench-cache")).Single();
            Assert.Equal(
                Directory.GetFiles(Path.Combine(prefix, "log_data"), "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(prefix, "log_data"), f)).Order(),
                Directory.GetFiles(Path.Combine(prefix, "log_data_prefix"), "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(prefix, "log_data_prefix"), f)).Order());
            Assert.True(root.GetProperty("song_files_per_second").GetDouble() > 0);
            Assert.InRange(root.GetProperty("peak_load_rss_megabytes").GetDouble(), 10, 4096);
            Assert.Equal(16, root.GetProperty("queries").GetArrayLength());
            Assert.True(root.GetProperty("worst_query_ratio").GetDouble() > 0);
            var processes = root.GetProperty("query_processes").EnumerateArray().ToList();
            Assert.Equal(["top-songs", "top-artists", "top-locations", "plays-by-hour", "plays-by-weekday", "level-comparison", "daily-active-users", "user-history"], processes.Select(p => p.GetProperty("name").GetString()));
            Assert.All(processes, p =>
            {
                var psql = p.GetProperty("psql_seconds").GetDouble();
                Assert.True(psql > 0);
                Assert.True(p.GetProperty("sparkify_seconds").GetDouble() > 0);
                Assert.True(p.GetProperty("sparkify_cpu_seconds").GetDouble() > 0);
                Assert.Equal(Math.Max(1.3 * psql, psql + 0.25), p.GetProperty("target_seconds").GetDouble(), 9);
            });
            Assert.Equal(processes.Count(p => p.GetProperty("met").GetBoolean()), root.GetProperty("query_processes_met").GetInt32());
            var check = root.GetProperty("check_process");
            Assert.Equal("check", check.GetProperty("name").GetString());
            var checkPsql = check.GetProperty("psql_seconds").GetDouble();
            Assert.True(checkPsql > 0);
            Assert.True(check.GetProperty("sparkify_cpu_seconds").GetDouble() > 0);
            Assert.Equal(1.5 * checkPsql, check.GetProperty("target_seconds").GetDouble(), 9);
            Assert.Equal(check.GetProperty("sparkify_seconds").GetDouble() / checkPsql, root.GetProperty("check_to_psql").GetDouble(), 9);

            // Every measurement dropped its database again.
            await using var connection = new Npgsql.NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'sparkify_bench_%'", connection);
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }
        finally
        {
            TempFolder.Delete(home);
        }
    }

    [Fact]
    public async Task Bench_prints_a_table_of_the_measurements_it_was_asked_for()
    {
        var home = TempFolder.NewPath("bench-table");
        try
        {
            var result = await SparkifyProcess.RunAsync(
                new Dictionary<string, string?> { ["SPARKIFY_HOME"] = home },
                "bench", "--events", "500", "--songs", "20", "--only", "parse", "--connection", await TestPostgres.GetAdminConnectionStringAsync());

            Assert.True(result.ExitCode == 0, result.ToString());
            var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("sparkify bench: 500 events, 20 songs, seed 42", lines[0], StringComparison.Ordinal);
            Assert.Matches(@"^measurement\s+seconds\s+rows\s+rows/s\s+MB/s$", lines[1].TrimEnd());
            Assert.StartsWith("parse floor: JSON to COPY rows, no database", lines[3], StringComparison.Ordinal);
            Assert.Equal(4, lines.Length);
        }
        finally
        {
            TempFolder.Delete(home);
        }
    }

    [Fact]
    public void A_days_statements_in_psql_are_the_loads_transaction_with_its_parsed_events_and_no_other_copy_from_the_client()
    {
        var plan = new WarehouseLoader(new WarehouseOptions { ConnectionString = "Host=127.0.0.1;Database=never_reached" })
            .Plan(new LoadRequest { SongsSource = "/data/song_data", EventsSource = "/data/next_day" });

        var script = DayPlanInPsql.Script(plan, "/data/it's.bin");

        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("BEGIN;", lines[0]);
        Assert.Equal("COMMIT;", lines[^1]);
        Assert.Single(lines, line => line == "\\copy staging_events FROM '/data/it''s.bin' (FORMAT binary)");
        Assert.DoesNotContain("FROM STDIN", script, StringComparison.Ordinal);
        Assert.DoesNotContain("@uris", script, StringComparison.Ordinal);
        Assert.DoesNotContain("pg_advisory", script, StringComparison.Ordinal);

        // Every other statement of the transaction, in the plan's order.
        var begin = plan.ToList().FindIndex(statement => statement == "BEGIN");
        var commit = plan.ToList().FindIndex(statement => statement == "COMMIT");
        var kept = plan.Skip(begin).Take(commit - begin + 1)
            .Where(statement => !statement.Contains("FROM STDIN", StringComparison.Ordinal) && !statement.Contains("@uris", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(string.Concat(kept.Select(statement => statement + ";\n")), script.Replace("\\copy staging_events FROM '/data/it''s.bin' (FORMAT binary)\n", "", StringComparison.Ordinal));
        Assert.Contains(kept, statement => statement.Contains("INSERT INTO songplays", StringComparison.Ordinal));
    }

    [Fact]
    public void The_processes_the_bench_measures_get_the_password_in_their_environment_never_on_their_command_line()
    {
        const string Connection = "Host=127.0.0.1;Port=5432;Username=bench;Password=pa55-word;Database=sparkify_bench_load";

        var sparkify = ChildProcess.Self(["load", "--events", "next_day"], Connection);
        var psql = Psql.StartInfo("psql", Connection, "next_day_events.sql");

        Assert.All(sparkify.ArgumentList.Concat(psql.ArgumentList), argument => Assert.DoesNotContain("pa55-word", argument, StringComparison.Ordinal));
        Assert.Equal(Connection, sparkify.Environment["SPARKIFY_CONNECTION"]);
        Assert.Equal("pa55-word", psql.Environment["PGPASSWORD"]);
    }

    [Fact]
    public async Task An_unknown_measurement_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync("bench", "--only", "speed");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown measurement 'speed'", result.Error, StringComparison.Ordinal);
    }
}
