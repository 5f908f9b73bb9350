namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Where the tests find the things outside the repository.</summary>
internal static class TestEnvironment
{
    /// <summary>How many migrations the library ships (what a migrate of an empty database applies).</summary>
    public static int MigrationCount { get; } = typeof(WarehouseDbContext).Assembly.GetTypes().Count(t => t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration)));

    /// <summary>The repository root (the folder holding Sparkify.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The real public sample, beside the checkout in ../shared (never copied into the repo).</summary>
    public static string SampleData { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "sparkify-sample"));

    public static string SampleSongs => Path.Combine(SampleData, "song_data");

    public static string SampleLogs => Path.Combine(SampleData, "log_data");

    public static string SampleJsonPaths => Path.Combine(SampleData, "log_json_path.json");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sparkify.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tests must run from within the repository (Sparkify.sln not found above " + AppContext.BaseDirectory + ").");
    }
}
