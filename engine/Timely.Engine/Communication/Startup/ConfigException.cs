namespace Timely.Communication;

/// <summary>A configuration or command line that cannot be used; the message says which part and why.</summary>
public sealed class ConfigException : ArgumentException
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
