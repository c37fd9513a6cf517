using System.Runtime.ExceptionServices;

namespace Timely.Transport.Tcp.Tests;

/// <summary>Runs a blocking call on its own thread (set-up blocks until peers connect) and joins it under a deadline.</summary>
internal sealed class Background<T>
{
    private readonly Thread _thread;
    private T? _result;
    private Exception? _error;

    public Background(Func<T> run)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _result = run();
            }
#pragma warning disable CA1031 // handed to the test thread by Join
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = e;
            }
        })
        { IsBackground = true };
        _thread.Start();
    }

    /// <summary>The result, or the call's exception rethrown; fails the test if the call did not end within the deadline.</summary>
    public T Join()
    {
        Assert.True(_thread.Join(Loopback.Deadline), "the background call did not finish within the deadline");
        if (_error is not null)
        {
            ExceptionDispatchInfo.Throw(_error);
        }

        return _result!;
    }
}
