using System.CommandLine;

namespace Timely.Bench;

/// <summary>The <c>timely</c> command: workloads and tools (see <c>timely --help</c>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("timely: Timely.Native workloads, examples and tools.");
        return root.Parse(args).Invoke();
    }
}
