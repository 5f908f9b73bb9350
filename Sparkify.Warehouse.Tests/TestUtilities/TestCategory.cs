namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// The test category trait. Classes that need no server (no PostgreSQL, no s3rver, no CLI against a
/// database) carry <c>[Trait(TestCategory.Name, TestCategory.Fast)]</c>, so
/// <c>dotnet test --filter Category=Fast</c> runs just them; everything else needs the run's servers.
/// </summary>
internal static class TestCategory
{
    public const string Name = "Category";

    public const string Fast = "Fast";
}
