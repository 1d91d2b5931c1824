/* bcryptprimitives.dll for Wine 8, for testing only: Go 1.24+ asks Windows for random bytes
 * through ProcessPrng, which Windows 10 and 11 have and Wine 8 lacks. This stand-in answers
 * it from RtlGenRandom (SystemFunction036 in advapi32), which Wine has. scripts/build-windows.sh
 * builds it with MinGW and copies it into the test Wine prefix's system32; it is never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG n = size > 0x10000000 ? 0x10000000 : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
