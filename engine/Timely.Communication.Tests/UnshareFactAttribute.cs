namespace Timely.Communication.Tests;

/// <summary>A fact that starts processes in a new pid namespace with <c>unshare</c> (root only); skipped with the reason otherwise.</summary>
public sealed class UnshareFactAttribute : FactAttribute
{
    public UnshareFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "pid namespaces are Linux's";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "unshare --pid needs root (this user is " + Environment.UserName + ")";
        }
        else if (!File.Exists("/usr/bin/unshare"))
        {
            Skip = "no /usr/bin/unshare (util-linux)";
        }
    }
}
