using System.Reflection;
using Xunit.Sdk;

namespace Timely.Communication.Tests;

/// <summary>
/// Theory data for the allocator contract: one case per worker count that the concrete test class
/// declares as <c>public static int[] WorkerCounts</c> (at least <see cref="Minimum"/>), so each
/// count is its own test and a failure names it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkerCountsAttribute : DataAttribute
{
    /// <summary>The fewest workers the test needs.</summary>
    public int Minimum { get; init; } = 1;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        // The class the test was discovered on (a sealed subclass), not the abstract contract
        // that declares the method.
        var type = testMethod.ReflectedType ?? testMethod.DeclaringType!;
        var property = type.GetProperty("WorkerCounts", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{type.Name} declares no public static int[] WorkerCounts");
        int[] counts = [.. ((int[])property.GetValue(null)!).Where(n => n >= Minimum)];
        if (counts.Length == 0)
        {
            throw new InvalidOperationException($"{type.Name} has no worker count of at least {Minimum} for {testMethod.Name}");
        }

        return counts.Select(n => new object[] { n });
    }
}
