namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>What <c>sparkify bench</c> measures; names as in <c>--only</c>.</summary>
internal static class BenchMeasurements
{
    public const string Parse = "parse";
    public const string Ingest = "ingest";
    public const string Transform = "transform";
    public const string Load = "load";
    public const string Reference = "reference";
    public const string Incremental = "incremental";
    public const string Prefix = "prefix";
    public const string Files = "files";
    public const string EfCore = "efcore";
    public const string Memory = "memory";
    public const string Queries = "queries";
    public const string Cli = "cli";

    public static readonly string[] All = [Parse, Ingest, Transform, Load, Reference, Incremental, Prefix, Queries, Cli, Files, EfCore, Memory];
}

/// <summary>The settings of one benchmark run.</summary>
internal sealed record BenchSettings(int Events, int Songs, long Seed, int Runs, int EfRows, IReadOnlySet<string> Only, string CacheRoot);
