namespace Timely.Transport.Shm.Tests;

/// <summary>A fact that needs a second local user (<see cref="HostHelpers.SecondUserMissing"/>); skipped with the reason otherwise.</summary>
public sealed class SecondUserFactAttribute : FactAttribute
{
    public SecondUserFactAttribute()
    {
        if (HostHelpers.SecondUserMissing is { } reason)
        {
            Skip = reason;
        }
    }
}
