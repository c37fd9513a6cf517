using System.Globalization;

namespace Timely.Bench.Tests;

/// <summary>
/// A test that sends SIGINT to a child: skipped, with the reason printed, when this process
/// ignores SIGINT (started by <c>nohup</c> or as <c>cmd &amp;</c> from a non-interactive shell). A
/// child inherits the ignored disposition across exec and, as Unix programs should, keeps it, so
/// the signal would never reach its handler.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SigintDeliveredFactAttribute : FactAttribute
{
    public SigintDeliveredFactAttribute()
    {
        if (IgnoredHere())
        {
            Skip = "SIGINT is ignored by this test process (SigIgn in /proc/self/status), and so by its children";
        }
    }

    private static bool IgnoredHere()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return false;
        }

        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask)
            && (mask & (1UL << (2 - 1))) != 0;   // bit n-1 is signal n; SIGINT is 2
    }
}
