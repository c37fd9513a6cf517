namespace Timely.Bench.Tests;

/// <summary>
/// A test that needs <see cref="NetnsHosts"/>: skipped, with the reason printed, where they
/// cannot be made (not root, no iproute2, namespaces refused as in an unprivileged container).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetnsHosts.UnavailableReason is { } reason)
        {
            Skip = "namespace hosts unavailable: " + reason;
        }
    }
}
