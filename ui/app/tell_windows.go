//go:build windows

package app

import (
	"syscall"
	"unsafe"
)

// tellWithoutConsole shows err in a message box when the program has no standard error to
// print it on: the window program (GUI subsystem) started by a double click, where a message on
// stderr would go nowhere and the user would see nothing happen.
func tellWithoutConsole(err error) {
	h, e := syscall.GetStdHandle(syscall.STD_ERROR_HANDLE)
	if e == nil && h != 0 && h != syscall.InvalidHandle {
		return
	}
	text, e1 := syscall.UTF16PtrFromString(err.Error())
	title, e2 := syscall.UTF16PtrFromString("Pollinations Studio")
	if e1 != nil || e2 != nil {
		return
	}
	const mbIconError = 0x10
	_, _, _ = syscall.NewLazyDLL("user32.dll").NewProc("MessageBoxW").Call(0,
		uintptr(unsafe.Pointer(text)), uintptr(unsafe.Pointer(title)), mbIconError)
}
