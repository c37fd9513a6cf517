using System.Globalization;

namespace Timely.Examples;

/// <summary>Durations in the form timely's examples print them.</summary>
public static class RustDuration
{
    /// <summary>A duration as Rust's <c>{:?}</c> prints it (<c>279.123456ms</c>, <c>1.661234567s</c>), as timely's examples do.</summary>
    public static string Format(TimeSpan elapsed)
    {
        double seconds = elapsed.TotalSeconds;
        return seconds >= 1
            ? seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s"
            : seconds >= 1e-3
                ? (seconds * 1e3).ToString("0.######", CultureInfo.InvariantCulture) + "ms"
                : (seconds * 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "µs";
    }
}
