package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ReceiptEmailKeyName names the secret that keys the email hash in signed
// receipts. Receipts are signed with the audit anchor's Ed25519 key: one
// instance key, published at links.ReceiptKey.
const ReceiptEmailKeyName = "receipt_email_key"

// ReceiptEmailKeySize is the email hash key's length in bytes.
const ReceiptEmailKeySize = 32

// ReceiptEmailKey returns the key receipts hash requesters' addresses
// with, storing newKey first when there is none (one per installation).
func ReceiptEmailKey(ctx context.Context, db *gorm.DB, newKey []byte) ([]byte, error) {
	k, err := GetOrCreateSecret(ctx, db, ReceiptEmailKeyName, newKey)
	if err != nil {
		return nil, fmt.Errorf("load receipt email key: %w", err)
	}
	if len(k) != ReceiptEmailKeySize {
		return nil, fmt.Errorf("receipt email key has %d bytes, want %d", len(k), ReceiptEmailKeySize)
	}
	return k, nil
}

// FindSecret returns the named secret without creating it; ErrNotFound
// when there is none.
func FindSecret(ctx context.Context, db *gorm.DB, name string) ([]byte, error) {
	var s Secret
	err := db.WithContext(ctx).Where("name = ?", name).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	return s.Value, nil
}
