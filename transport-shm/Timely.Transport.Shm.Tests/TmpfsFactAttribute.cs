namespace Timely.Transport.Shm.Tests;

/// <summary>A fact that mounts a small tmpfs (<see cref="HostHelpers.TmpfsMissing"/>); skipped with the reason otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (HostHelpers.TmpfsMissing is { } reason)
        {
            Skip = reason;
        }
    }
}
