using BenchmarkDotNet.Running;

namespace Timely.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Timely.Benchmarks -- --filter '*Ring*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
}
