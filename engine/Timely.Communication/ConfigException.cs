namespace Timely.Communication;

/// <summary>A configuration or command line that cannot be used; the message says which part and why.</summary>
public sealed class ConfigException : ArgumentException
{
    /// <summary>An error with a generic message; prefer the constructor that says which setting is wrong.</summary>
    public ConfigException()
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the option or setting and why it cannot be used (printed as <c>timely: error: message</c> by the command line).</summary>
    public ConfigException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the setting, caused by <paramref name="innerException"/> (e.g. an unreadable hostfile).</summary>
    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
